"""The endpoint the browser reports impressions and tag taps to (``static/js/insights.js``)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from insights.collect import BadBatch, parse_batch, record_batch
from shop import events

RATE_WINDOW_SECONDS = 60


def _over_rate(request) -> bool:
    """A fixed one-minute window per visitor (or address), in the shared cache."""
    who = events.visitor_from_cookie(request.COOKIES.get(events.VISITOR_COOKIE)) or request.META.get("REMOTE_ADDR")
    key = f"insights:batches:{who}"
    cache.add(key, 0, RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, RATE_WINDOW_SECONDS)
        count = 1
    return count > settings.INSIGHTS_BATCHES_PER_MINUTE


@require_POST
def collect(request):
    """A batch, form-encoded so that ``navigator.sendBeacon`` can send it with the CSRF token
    (it cannot set headers): ``csrfmiddlewaretoken`` and ``batch`` (JSON, see
    ``insights.collect.parse_batch``). 204 when recorded; 400 for a bad batch; 429 past the rate."""
    if _over_rate(request):
        return JsonResponse({"detail": _("Too many batches. Please wait a minute.")}, status=429)
    try:
        source, reported = parse_batch(request.POST.get("batch", ""))
        record_batch(source=source, reported=reported, user=request.user)
    except BadBatch as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    return HttpResponse(status=204)

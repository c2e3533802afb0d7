"""Campaign and flow emails' links: the signed click redirects and the open pixel. Public (the
recipient is not signed in); a changed token is a 400 and records nothing."""

from __future__ import annotations

import base64
from collections.abc import Callable

from django.core import signing
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotFound, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from marketing.campaigns import tracking
from marketing.flows import tracking as flow_tracking
from shop.events import is_crawler

# A transparent 1x1 GIF.
PIXEL = base64.b64decode(b"R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _redirect(request, token: str, record_click: Callable[..., str | None]) -> HttpResponse:
    """Record the click ``token`` signs (a crawler's is not counted) and send the reader on."""
    try:
        target = record_click(token, crawler=is_crawler(request.headers.get("User-Agent")))
    except signing.BadSignature:
        return HttpResponseBadRequest(_("This link is not valid."))
    if target is None:
        return HttpResponseNotFound(_("This link no longer leads anywhere."))
    return HttpResponseRedirect(target)


@require_GET
@never_cache
def click(request, token: str):
    return _redirect(request, token, tracking.record_click)


@require_GET
@never_cache
def flow_click(request, token: str):
    return _redirect(request, token, flow_tracking.record_click)


@require_GET
@never_cache
def open_pixel(request, token: str):
    try:
        tracking.record_open(token)
    except signing.BadSignature:
        return HttpResponseBadRequest(_("This link is not valid."))
    return HttpResponse(PIXEL, content_type="image/gif")

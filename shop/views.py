import base64
import hashlib
import logging
import re

from csp.decorators import csp_update
from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from kombu import Connection

from shop.cache import FailoverRedisCache
from shop.middleware import wants_json

logger = logging.getLogger(__name__)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    default = caches["default"]
    if isinstance(default, FailoverRedisCache):
        # Its stand-in would answer the round trip below: ask Redis itself.
        if not default.redis_reachable():
            raise RuntimeError("Redis does not answer")
        return
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return what was stored")


def _check_broker() -> str:
    if settings.CELERY_BROKER_URL.startswith("memory://"):
        return "in-process"
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2, transport_options={"max_retries": 0}) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


@never_cache
@require_GET
def healthz(request):
    """200 with the state of each dependency, or 503 naming those that are down."""
    status: dict[str, str] = {}
    down: list[str] = []
    for name, check in CHECKS.items():
        try:
            status[name] = check() or "ok"
        except Exception as exc:  # any failure at all means "down"
            logger.warning("healthz: %s is down: %s", name, exc)
            status[name] = "down"
            down.append(name)
    body = {"status": "ok" if not down else "down", "checks": status}
    if down:
        body["down"] = down
    return JsonResponse(body, status=503 if down else 200)


def ping(request):
    """The cheapest page: same middleware, no database. Benchmarks measure against it."""
    return JsonResponse({"pong": True})


@csrf_exempt  # no session-changing work here; else an unknown POST is CSRF's HTML 403
def api_not_found(request, *args, **kwargs):
    """Any path under /api/ that names no endpoint: the API's JSON 404, whatever the method
    (Django's own 404 page is HTML, and with ``DEBUG`` its technical page)."""
    return JsonResponse({"detail": _("Not found.")}, status=404)


def bad_request(request, exception):
    from django.views.defaults import bad_request as html_bad_request

    if wants_json(request):
        return JsonResponse({"detail": _("Bad request.")}, status=400)
    return html_bad_request(request, exception)


def permission_denied(request, exception):
    from django.views.defaults import permission_denied as html_permission_denied

    if wants_json(request):
        return JsonResponse({"detail": _("You do not have permission to perform this action.")}, status=403)
    return html_permission_denied(request, exception)


def csrf_failure(request, reason=""):
    from django.views.csrf import csrf_failure as html_csrf_failure

    if wants_json(request):
        return JsonResponse({"detail": _("CSRF check failed: %(reason)s") % {"reason": reason}}, status=403)
    return html_csrf_failure(request, reason)


def page_not_found(request, exception):
    from django.views.defaults import page_not_found as html_not_found

    if wants_json(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return html_not_found(request, exception)


def server_error(request):
    from django.views.defaults import server_error as html_server_error

    if wants_json(request):
        return JsonResponse({"detail": _("Server error.")}, status=500)
    response = html_server_error(request)
    # 500.html carries its one <style> inline (it loads nothing that could fail in turn): the
    # Content-Security-Policy allows exactly that style, by its hash.
    style = re.search(rb"<style>(.*?)</style>", response.content, re.S)
    if style is None:
        return response
    digest = base64.b64encode(hashlib.sha256(style.group(1)).digest()).decode()
    return csp_update({"style-src": [f"'sha256-{digest}'"]})(lambda request: response)(request)


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin, error pages, a
    feed reader): send them to the site's icon, the one base.html links to."""
    response = HttpResponsePermanentRedirect(static("favicon.svg"))
    response["Cache-Control"] = "public, max-age=86400"
    return response

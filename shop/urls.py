from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from shop import views as shop_views
from shop.api import ObtainTokenView
from social import views as social_views

# The admin's own login form has no rate limit: send everyone through allauth's.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = _("Etalase back office")
admin.site.site_title = _("Etalase back office")
admin.site.index_title = _("Your store")
admin.site.site_url = "/"

api_v1 = [
    path("auth/token/", ObtainTokenView.as_view(), name="token"),
    path("", include("catalog.api_urls")),
    path("", include("checkout.api_urls")),
    path("", include("social.api_urls")),
    path("", include("chat.api_urls")),
    path("", include("marketing.api_urls")),
    path("", include("insights.api_urls")),
    path("", include("shop.notifications.api_urls")),
]

urlpatterns = [
    path("", social_views.home, name="home"),
    path("healthz", shop_views.healthz, name="healthz"),
    path("ping", shop_views.ping, name="ping"),
    path("favicon.ico", shop_views.favicon, name="favicon"),
    path("accounts/", include("allauth.urls")),
    # The email providers' tracking webhooks (django-anymail verifies them; marketing records them).
    path("anymail/", include("marketing.anymail_urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("notifications/", include("shop.notifications.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api_docs.html"),
        name="api-docs",
    ),
    # Any other path under /api/: a JSON 404 (also with DEBUG on, and instead of a slash redirect).
    re_path(r"^api/", shop_views.api_not_found),
    path("", include("chat.urls")),
    path("", include("marketing.urls")),
    path("", include("insights.urls")),
    path("", include("checkout.urls")),
    path("", include("social.urls")),
    path("", include("catalog.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "shop.views.bad_request"
handler403 = "shop.views.permission_denied"
handler404 = "shop.views.page_not_found"
handler500 = "shop.views.server_error"

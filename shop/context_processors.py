from django.conf import settings

SITE_NAME = "Etalase"


def site(request):
    return {
        "SITE_NAME": SITE_NAME,
        "SHOP_CURRENCY": settings.SHOP_CURRENCY,
        "NOTIFICATION_POLL_SECONDS": settings.NOTIFICATION_POLL_SECONDS,
    }

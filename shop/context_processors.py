from django.conf import settings


def site(request):
    return {
        "SITE_NAME": "Etalase",
        "SHOP_CURRENCY": settings.SHOP_CURRENCY,
        "NOTIFICATION_POLL_SECONDS": settings.NOTIFICATION_POLL_SECONDS,
    }

from django.conf import settings


def site(request):
    return {"SITE_NAME": "Etalase", "SHOP_CURRENCY": settings.SHOP_CURRENCY}

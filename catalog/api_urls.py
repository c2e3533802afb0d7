from django.urls import include, path
from rest_framework.routers import SimpleRouter

from catalog.api import views as api

# SimpleRouter: no browsable API root and no ``.json`` suffix routes, so the schema lists each
# endpoint once. Mounted under /api/v1/ with the namespace "api" (shop/urls.py).
router = SimpleRouter()
router.register("categories", api.CategoryViewSet, basename="category")
router.register("stores", api.StoreViewSet, basename="store")
router.register("products", api.ProductViewSet, basename="product")
router.register(r"products/(?P<product_slug>[-\w]+)/variants", api.VariantViewSet, basename="product-variant")
router.register(r"products/(?P<product_slug>[-\w]+)/images", api.ProductImageViewSet, basename="product-image")

urlpatterns = [path("", include(router.urls))]

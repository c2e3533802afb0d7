from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("products/", views.product_list, name="product_list"),
    path("search/", views.product_list, name="search"),
    path("c/<slug:slug>/", views.category, name="category"),
    path("p/<slug:slug>/", views.product_detail, name="product_detail"),
    path("s/<slug:slug>/", views.store_detail, name="store_detail"),
    path("open-store/", views.open_store, name="open_store"),
]

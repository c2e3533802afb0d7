from django.urls import path

from marketing import campaign_views, views

app_name = "marketing"

urlpatterns = [
    path("customers/", views.contact_list, name="contacts"),
    path("customers/import/", views.contact_import, name="import"),
    path("customers/<int:pk>/", views.contact_detail, name="contact"),
    path("customers/<int:pk>/export.json", views.contact_export, name="export"),
    path("customers/<int:pk>/erase/", views.contact_erase, name="erase"),
    path("customers/<int:pk>/withdraw/", views.contact_withdraw, name="withdraw"),
    path("customers/merges/<int:pk>/undo/", views.merge_undo, name="undo_merge"),
    path("s/<slug:slug>/news/", views.signup, name="signup"),
    path("news/confirm/<str:token>/", views.confirm, name="confirm"),
    path("news/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # Campaign emails' signed click redirect and open pixel (marketing.campaigns.tracking).
    path("m/c/<str:token>/", campaign_views.click, name="click"),
    path("m/o/<str:token>/", campaign_views.open_pixel, name="open"),
]

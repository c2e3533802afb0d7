from django.urls import path

from marketing import campaign_pages, campaign_views, views

app_name = "marketing"

urlpatterns = [
    path("customers/", views.contact_list, name="contacts"),
    path("customers/import/", views.contact_import, name="import"),
    path("customers/<int:pk>/", views.contact_detail, name="contact"),
    path("customers/<int:pk>/export.json", views.contact_export, name="export"),
    path("customers/<int:pk>/erase/", views.contact_erase, name="erase"),
    path("customers/<int:pk>/withdraw/", views.contact_withdraw, name="withdraw"),
    path("customers/merges/<int:pk>/undo/", views.merge_undo, name="undo_merge"),
    path("customers/campaigns/", campaign_pages.campaign_list, name="campaigns"),
    path("customers/campaigns/new/", campaign_pages.campaign_new, name="campaign_new"),
    path("customers/campaigns/<int:pk>/", campaign_pages.campaign_detail, name="campaign"),
    path("customers/campaigns/<int:pk>/edit/", campaign_pages.campaign_edit, name="campaign_edit"),
    path("customers/campaigns/<int:pk>/preview/", campaign_pages.campaign_preview, name="campaign_preview"),
    path("customers/campaigns/<int:pk>/<slug:action>/", campaign_pages.campaign_action, name="campaign_action"),
    path("customers/segments/", campaign_pages.segment_list, name="segments"),
    path("customers/segments/new/", campaign_pages.segment_new, name="segment_new"),
    path("customers/segments/count/", campaign_pages.audience_count, name="audience_count"),
    path("s/<slug:slug>/news/", views.signup, name="signup"),
    path("news/confirm/<str:token>/", views.confirm, name="confirm"),
    path("news/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # Campaign emails' signed click redirect and open pixel (marketing.campaigns.tracking).
    path("m/c/<str:token>/", campaign_views.click, name="click"),
    path("m/o/<str:token>/", campaign_views.open_pixel, name="open"),
    # Flow emails' signed click redirect (marketing.flows.tracking).
    path("m/f/<str:token>/", campaign_views.flow_click, name="flow_click"),
]

# The seller's flows (marketing/flow_pages.py).
from marketing import flow_pages  # noqa: E402

urlpatterns += [
    path("customers/flows/", flow_pages.flow_list, name="flows"),
    path("customers/flows/<int:pk>/", flow_pages.flow_detail, name="flow"),
    path("customers/flows/<int:pk>/settings/", flow_pages.flow_settings, name="flow_settings"),
    path("customers/flows/<int:pk>/switch/", flow_pages.flow_switch, name="flow_switch"),
    path("customers/flows/<int:pk>/emails/new/", flow_pages.flow_step_new, name="flow_step_new"),
    path("customers/flows/emails/<int:pk>/", flow_pages.flow_step, name="flow_step"),
    path("customers/flows/emails/<int:pk>/preview/", flow_pages.flow_step_preview, name="flow_step_preview"),
    path("customers/flows/emails/<int:pk>/<slug:action>/", flow_pages.flow_step_action, name="flow_step_action"),
    path("customers/flows/tips/", flow_pages.tips_list, name="flow_tips"),
    path("customers/flows/tips/<int:pk>/", flow_pages.tips_edit, name="flow_tip"),
]

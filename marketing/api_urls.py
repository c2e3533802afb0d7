"""Marketing's API under /api/v1/marketing/ (namespace "api"): views in marketing/api.py."""

from django.urls import path

from marketing import api, campaign_api

urlpatterns = [
    path("marketing/contacts/", api.ContactsView.as_view(), name="marketing-contacts"),
    path("marketing/contacts/import/", api.ContactImportView.as_view(), name="marketing-import"),
    path("marketing/contacts/<int:pk>/", api.ContactDetailView.as_view(), name="marketing-contact"),
    path("marketing/contacts/<int:pk>/export/", api.ContactExportView.as_view(), name="marketing-export"),
    path("marketing/contacts/<int:pk>/erase/", api.ContactEraseView.as_view(), name="marketing-erase"),
    path("marketing/contacts/<int:pk>/withdraw-consent/", api.ContactWithdrawView.as_view(), name="marketing-withdraw"),
    path("marketing/segments/", campaign_api.SegmentsView.as_view(), name="marketing-segments"),
    path("marketing/segments/count/", campaign_api.SegmentCountView.as_view(), name="marketing-segment-count"),
    path("marketing/segments/<int:pk>/", campaign_api.SegmentDetailView.as_view(), name="marketing-segment"),
    path("marketing/campaigns/", campaign_api.CampaignsView.as_view(), name="marketing-campaigns"),
    path("marketing/campaigns/<int:pk>/", campaign_api.CampaignDetailView.as_view(), name="marketing-campaign"),
    path(
        "marketing/campaigns/<int:pk>/report/",
        campaign_api.CampaignReportView.as_view(),
        name="marketing-campaign-report",
    ),
    path("marketing/campaigns/<int:pk>/send/", campaign_api.CampaignSendView.as_view(), name="marketing-campaign-send"),
    path(
        "marketing/campaigns/<int:pk>/schedule/",
        campaign_api.CampaignScheduleView.as_view(),
        name="marketing-campaign-schedule",
    ),
    path(
        "marketing/campaigns/<int:pk>/pause/", campaign_api.CampaignPauseView.as_view(), name="marketing-campaign-pause"
    ),
    path(
        "marketing/campaigns/<int:pk>/resume/",
        campaign_api.CampaignResumeView.as_view(),
        name="marketing-campaign-resume",
    ),
    path(
        "marketing/campaigns/<int:pk>/cancel/",
        campaign_api.CampaignCancelView.as_view(),
        name="marketing-campaign-cancel",
    ),
    path("marketing/campaigns/<int:pk>/test/", campaign_api.CampaignTestView.as_view(), name="marketing-campaign-test"),
]

# Flows (marketing/flow_api.py).
from marketing import flow_api  # noqa: E402

urlpatterns += [
    path("marketing/flows/", flow_api.FlowsView.as_view(), name="marketing-flows"),
    path("marketing/flows/<int:pk>/", flow_api.FlowDetailView.as_view(), name="marketing-flow"),
    path("marketing/flows/<int:pk>/report/", flow_api.FlowReportView.as_view(), name="marketing-flow-report"),
    path("marketing/flows/<int:pk>/steps/", flow_api.FlowStepsView.as_view(), name="marketing-flow-steps"),
    path("marketing/flow-steps/<int:pk>/", flow_api.FlowStepDetailView.as_view(), name="marketing-flow-step"),
    path("marketing/flow-steps/<int:pk>/move/", flow_api.FlowStepMoveView.as_view(), name="marketing-flow-step-move"),
    path("marketing/flow-steps/<int:pk>/test/", flow_api.FlowStepTestView.as_view(), name="marketing-flow-step-test"),
    path("marketing/product-tips/", flow_api.ProductTipsListView.as_view(), name="marketing-product-tips"),
    path("marketing/product-tips/<int:pk>/", flow_api.ProductTipsView.as_view(), name="marketing-product-tip"),
]

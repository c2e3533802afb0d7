"""Marketing's API under /api/v1/marketing/ (namespace "api"): views in marketing/api.py."""

from django.urls import path

from marketing import api

urlpatterns = [
    path("marketing/contacts/", api.ContactsView.as_view(), name="marketing-contacts"),
    path("marketing/contacts/import/", api.ContactImportView.as_view(), name="marketing-import"),
    path("marketing/contacts/<int:pk>/", api.ContactDetailView.as_view(), name="marketing-contact"),
    path("marketing/contacts/<int:pk>/export/", api.ContactExportView.as_view(), name="marketing-export"),
    path("marketing/contacts/<int:pk>/erase/", api.ContactEraseView.as_view(), name="marketing-erase"),
    path("marketing/contacts/<int:pk>/withdraw-consent/", api.ContactWithdrawView.as_view(), name="marketing-withdraw"),
]

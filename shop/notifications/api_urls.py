"""The notifications API under /api/v1/ (namespace "api"): views in shop/notifications/api.py."""

from django.urls import path

from shop.notifications import api

urlpatterns = [
    path("notifications/", api.InboxView.as_view(), name="notifications"),
    path("notifications/unread-count/", api.UnreadCountView.as_view(), name="notifications-unread-count"),
    path("notifications/read/", api.MarkReadView.as_view(), name="notifications-read"),
    path("notifications/read-all/", api.MarkAllReadView.as_view(), name="notifications-read-all"),
    path("notifications/preferences/", api.PreferencesView.as_view(), name="notifications-preferences"),
]

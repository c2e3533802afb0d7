"""Insights' API under /api/v1/insights/ (namespace "api"): views in insights/api.py."""

from django.urls import path

from insights import api

urlpatterns = [
    path("insights/", api.InsightsView.as_view(), name="insights"),
    path("insights/stores/", api.InsightsStoresView.as_view(), name="insights-stores"),
]

"""Checkout's API under /api/v1/ (namespace "api"): filled in by checkout/api/."""

urlpatterns: list = []

"""Filled in by the checkout pages (work in progress)."""

urlpatterns: list = []

"""Checkout's HTML views, one module per area; each module declares its ``urlpatterns``."""

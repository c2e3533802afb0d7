"""Notifications: an in-app inbox and emails, for any app's events.

Apps register their kinds (``shop.notifications.kinds``) and call
``shop.notifications.services.notify`` inside the transaction of the event.
"""

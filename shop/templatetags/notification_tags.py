"""Template filters of the notification centre."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def since(value) -> str:
    """``3 hours ago``; ``just now`` under a minute. One unit, as feeds and lists of events
    show time (social's ``ago`` filter is this one)."""
    if not isinstance(value, datetime):
        return ""
    if (timezone.now() - value).total_seconds() < 60:
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(value, depth=1)}


@register.filter
def badge_count(value) -> str:
    """The bell's number: ``99+`` above 99."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return ""
    return "99+" if number > 99 else str(number)

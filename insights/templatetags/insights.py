from django import template

from insights.pages import count as format_count
from insights.pages import percent as format_percent

register = template.Library()


@register.filter
def percent(value):
    """``{{ 0.25|percent }}`` -> ``25%`` in the active language; a dash for None."""
    return format_percent(value)


@register.filter
def count(value):
    """``{{ 1234|count }}`` -> ``1,234`` (``1.234`` in Indonesian)."""
    return format_count(value or 0)


@register.filter
def rate(numerator, denominator):
    """``{{ orders|rate:views }}``: the share, as a percent; a dash when nothing to divide by."""
    return format_percent(numerator / denominator if denominator else None)


@register.filter
def duration_minutes(seconds):
    """A wait in seconds as minutes or hours, in the active language (``"25 minutes"``)."""
    from django.utils.translation import ngettext

    minutes = max(1, round((seconds or 0) / 60))
    if minutes < 120:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = round(minutes / 60)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}

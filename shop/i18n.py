"""Translation helpers Django lacks."""

from __future__ import annotations

from django.utils.functional import lazy


def _interpolate(message, values) -> str:
    return str(message) % values


# ``gettext_lazy("... %(n)d ...") % values`` translates at once, in the language active at that
# moment: at import (a form's help text, a model's field), the default one, so the text stays
# English for everyone. ``interpolate_lazy(gettext_lazy("... %(n)d ..."), values)`` keeps both
# the translation and the formatting for when the text is shown, in the reader's language.
interpolate_lazy = lazy(_interpolate, str)

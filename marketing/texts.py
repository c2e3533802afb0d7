"""The consent texts people agree to. The text shown is the text stored as proof
(``ConsentEvent.text``), in the language it was shown in: change a text here and the
consents given before keep the words they were given on."""

from django.utils.translation import gettext as _


def form_text(store_name: str) -> str:
    return _("Yes, send me news and offers from %(store)s by email. I can unsubscribe at any time.") % {
        "store": store_name
    }


def checkout_text(store_name: str) -> str:
    return _("Send me news from %(store)s by email. I can unsubscribe at any time.") % {"store": store_name}


def import_text(store_name: str) -> str:
    return _("%(store)s added you to its list and says you agreed to receive its news by email.") % {
        "store": store_name
    }


def seller_text(store_name: str) -> str:
    return _("%(store)s asked to send you its news by email.") % {"store": store_name}

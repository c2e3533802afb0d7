"""Writes of the customer list: contacts and their merges (``contacts``, ``merges``), where
they come from (``gathering``, ``imports``), consent (``consent``), export and erasure
(``privacy``)."""

from marketing.services.consent import (
    ask_consent,
    confirm_consent,
    suppress_address,
    unsubscribe,
    withdraw_consent,
)
from marketing.services.contacts import Seen, record_contact, set_details, user_seen, verify_identity
from marketing.services.gathering import gather_contacts
from marketing.services.imports import ImportReport, import_contacts
from marketing.services.merges import merge_contacts, undo_merge
from marketing.services.privacy import erase_contact, export_contact

__all__ = [
    "ImportReport",
    "Seen",
    "ask_consent",
    "confirm_consent",
    "erase_contact",
    "export_contact",
    "gather_contacts",
    "import_contacts",
    "merge_contacts",
    "record_contact",
    "set_details",
    "suppress_address",
    "undo_merge",
    "unsubscribe",
    "user_seen",
    "verify_identity",
    "withdraw_consent",
]

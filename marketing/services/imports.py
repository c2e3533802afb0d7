"""A seller's CSV of customers: checked row by row, each bad row reported with its line
number and reason, the good rows recorded (``record_contact``, source "import").

Columns (a header row, any order, names case-insensitive): ``email`` and/or ``phone`` (one
is required), ``name``, ``tags`` (separated by ``;`` or ``|``), ``consent`` (``yes`` asks
the address for consent: a confirmation email goes out and nothing is sent before its link is
followed; the seller's word alone is never consent). Up to ``MAX_ROWS`` rows, UTF-8 (a BOM
is fine), comma or semicolon separated.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import Store
from marketing import texts
from marketing.models import NAME_MAX, TAG_MAX, Identity, Source
from marketing.services.consent import ask_consent
from marketing.services.contacts import Seen, record_contact
from shop.client import ClientInfo
from shop.models import User

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
COLUMNS = {"email", "phone", "name", "tags", "consent"}
YES = {"yes", "y", "true", "1", "ya"}
NO = {"", "no", "n", "false", "0", "tidak"}


@dataclass
class ImportReport:
    added: int = 0  # rows recorded (new or joined contacts)
    consent_asked: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_csv(data: bytes) -> list[dict[str, str]]:
    """The rows of an uploaded file, or ``ValidationError`` for a file that is not a CSV
    this import reads."""
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 2 MB."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(_("The file is not UTF-8 text. Save it as “CSV UTF-8”.")) from exc
    if "\x00" in text:
        raise ValidationError(_("The file is not a CSV file."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    try:
        header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ValidationError(_("The file is not a CSV file.")) from exc
    if not {"email", "phone"} & set(header):
        raise ValidationError(_("The first row must name the columns, with an “email” or a “phone” column."))
    reader.fieldnames = header
    rows: list[dict[str, str]] = []
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise ValidationError(_("At most %(max)s rows at a time.") % {"max": MAX_ROWS})
            rows.append(
                {
                    key: (value or "").strip() if isinstance(value, str) else ""
                    for key, value in row.items()
                    if key in COLUMNS
                }
            )
    except csv.Error as exc:
        raise ValidationError(_("The file is not a CSV file.")) from exc
    return rows


def import_contacts(
    *, store: Store, data: bytes, actor: User | None = None, client: ClientInfo | None = None
) -> ImportReport:
    """Import a CSV (see the module). A file that cannot be read raises ``ValidationError``;
    bad rows are reported and skipped, the others recorded."""
    rows = read_csv(data)
    report = ImportReport()
    from marketing.services.contacts import set_details

    for number, row in enumerate(rows, start=2):  # line 1 is the header
        email, phone, name = row.get("email", ""), row.get("phone", ""), row.get("name", "")
        consent = row.get("consent", "").lower()
        problem = _row_problem(email=email, phone=phone, name=name, consent=consent, tags=row.get("tags", ""))
        if problem:
            report.errors.append((number, problem))
            continue
        try:
            with transaction.atomic():
                contact = record_contact(
                    store_id=store.pk,
                    seen=[Seen(Identity.Kind.EMAIL, email), Seen(Identity.Kind.PHONE, phone)],
                    source=Source.IMPORT,
                    name=name,
                )
                assert contact is not None  # (the row was checked: it names an email or a phone)
                tags = [tag for tag in row.get("tags", "").replace("|", ";").split(";") if tag.strip()]
                if tags:
                    set_details(contact=contact, tags=[*contact.tags.values_list("name", flat=True), *tags])
                event = None
                if consent in YES and email:
                    event = ask_consent(
                        contact=contact,
                        email=email,
                        source=Source.IMPORT,
                        text=texts.import_text(store.name),
                        client=client,
                        actor=actor,
                    )
        except ValidationError as exc:
            report.errors.append((number, " ".join(exc.messages)))
            continue
        report.added += 1
        report.consent_asked += event is not None
    return report


def _row_problem(*, email: str, phone: str, name: str, consent: str, tags: str) -> str:
    from chat.channels.contacts import normalise_phone

    if not email and not phone:
        return _("No email address and no phone number.")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            return _("“%(value)s” is not an email address.") % {"value": email[:80]}
    if phone and not normalise_phone(phone):
        return _("“%(value)s” is not a phone number.") % {"value": phone[:40]}
    if len(name) > NAME_MAX:
        return _("The name is longer than %(max)s characters.") % {"max": NAME_MAX}
    if consent not in YES | NO:
        return _("Consent must be “yes” or “no”, not “%(value)s”.") % {"value": consent[:20]}
    if consent in YES and not email:
        return _("Consent needs an email address.")
    if any(len(tag.strip()) > TAG_MAX for tag in tags.replace("|", ";").split(";")):
        return _("A tag has at most %(max)s characters.") % {"max": TAG_MAX}
    return ""

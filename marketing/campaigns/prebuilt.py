"""A campaign email's bytes built once per chunk, personalised per recipient by substitution.

Building and flattening a 22 kB two-part MIME message with Django and the ``email`` package
costs a few milliseconds of CPU an email, and all of it is the same for every recipient of a
chunk but a few values: the To, Date, Message-ID and List-Unsubscribe headers, and the
``%%KEY%%`` placeholders of the body (``marketing.campaigns.content``). So the message is built
once through Django (``sending.build_message``, the same headers and encodings as ever) with
the placeholders still in it; each recipient's bytes are that message with their headers
folded by the same policy and their values put in the text part (as they are) and the HTML
part (escaped), exactly what ``content.personalise`` and Django would have produced.

Only where that is exact. A 7bit or 8bit part gets its values in place, unless a line would
grow past RFC 5322's 998 bytes (Django would then have chosen quoted-printable). A
quoted-printable part (a seller's long paragraph) is kept as lines: those without a
placeholder encoded once, those with one encoded per recipient (the encoding works line by
line), and used only when it reproduces the email package's bytes exactly and a line stays
long whatever the values. Values must be printable ASCII and must not hold the MIME boundary.
Otherwise ``message_template`` or ``personalise`` returns None and the caller builds that
message the usual way.

Used with Django's SMTP backend only (``PrebuiltEmail.message()`` hands it the bytes); other
backends (django-anymail's providers, the tests' locmem) build each message as before.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from email import policy as email_policy
from email import quoprimime
from email.utils import formatdate

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, forbid_multi_line_headers

from catalog.models import Store
from marketing.models import Contact

PLACEHOLDER = re.compile(rb"%%([A-Z]+\d*)%%")
PERSONAL_HEADERS = (b"to", b"date", b"message-id", b"list-unsubscribe")
PROBE_TO = "recipient@prebuilt.invalid"
PROBE_ID = "<prebuilt@prebuilt.invalid>"
PROBE_UNSUBSCRIBE = "<https://prebuilt.invalid/unsubscribe/>"
_FOLD = email_policy.compat32.clone(linesep="\r\n")


def usable_with(connection: BaseEmailBackend) -> bool:
    """Prebuilt bytes go through Django's SMTP backend (its ``_send`` asks the message for
    ``message().as_bytes()``); any other backend reads the message's fields."""
    return isinstance(connection, SMTPBackend)


@dataclass(frozen=True)
class _Part:
    """One text part: its delimiter line and headers, and its payload with placeholders, either
    as bytes (7bit, 8bit: filled in place) or, quoted-printable, as lines: a line without a
    placeholder encoded once (bytes), a line with one kept as text (encoded per recipient)."""

    head: bytes
    payload: bytes | None = None
    lines: tuple[bytes | str, ...] = ()
    final_newline: bool = False

    def fill(self, values: dict[str, str]) -> bytes | None:
        if self.payload is not None:
            body = PLACEHOLDER.sub(
                lambda match: values[key].encode() if (key := match.group(1).decode()) in values else match.group(0),
                self.payload,
            )
            if any(len(line) > RFC5322_EMAIL_LINE_LENGTH_LIMIT for line in body.split(b"\r\n")):
                return None  # Django would have chosen quoted-printable
            return body
        encoded = [line if isinstance(line, bytes) else _qp(_fill_text(line, values)) for line in self.lines]
        return b"\r\n".join(encoded) + (b"\r\n" if self.final_newline else b"")


TEXT_PLACEHOLDER = re.compile(r"%%([A-Z]+\d*)%%")


def _fill_text(line: str, values: dict[str, str]) -> str:
    return TEXT_PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), line)


def _qp(latin1_line: str) -> bytes:
    """One line quoted-printable, as Django's utf-8 charset encodes a body with long lines."""
    return quoprimime.body_encode(latin1_line).replace("\n", "\r\n").encode("ascii")


def _part(head: bytes, payload: bytes, *, encoding: str, source: str) -> _Part | None:
    if encoding in ("7bit", "8bit"):
        return _Part(head=head, payload=payload)
    if encoding != "quoted-printable":
        return None
    # Django chose quoted-printable for a line past 998 bytes: one that is that long whatever
    # the values (its placeholders left out) keeps it so for every recipient.
    if not any(
        len(TEXT_PLACEHOLDER.sub("", line).encode()) > RFC5322_EMAIL_LINE_LENGTH_LIMIT for line in source.splitlines()
    ):
        return None
    latin1 = source.encode("utf-8").decode("latin1")  # what the charset hands quoprimime
    lines = tuple(line if TEXT_PLACEHOLDER.search(line) else _qp(line) for line in latin1.splitlines())
    part = _Part(head=head, lines=lines, final_newline=latin1[-1:] in ("\r", "\n"))
    # The same bytes as the email package's, placeholders and all: else nothing is prebuilt.
    return part if part.fill({}) == payload else None


@dataclass(frozen=True)
class MessageTemplate:
    from_email: str
    encoding: str
    head: bytes  # the headers every recipient gets, each line ending in CRLF
    delimiter: bytes  # "--" and the MIME boundary
    preamble: bytes
    text: _Part  # filled with the values as they are
    html: _Part  # filled with the values escaped
    epilogue: bytes


def message_template(
    *,
    build_message: Callable[..., EmailMultiAlternatives],
    store: Store,
    contact: Contact,
    subject: str,
    text: str,
    html_body: str,
) -> MessageTemplate | None:
    """The chunk's message, built once by ``build_message`` (``sending.build_message``) for
    ``contact`` with placeholders in place of every personal value; None when its bytes
    cannot be personalised by substitution (see the module)."""
    probe = build_message(
        store=store,
        contact=contact,
        subject=subject,
        text=text,
        html=html_body,
        message_id=PROBE_ID,
    )
    probe.to = [PROBE_TO]
    probe.extra_headers["List-Unsubscribe"] = PROBE_UNSUBSCRIBE
    message = probe.message()
    encodings = [
        str(part.get("Content-Transfer-Encoding", "")).lower()
        for part in message.walk()
        if part.get_content_maintype() == "text"
    ]
    raw = message.as_bytes(linesep="\r\n")
    boundary = message.get_boundary()  # chosen while flattening
    if len(encodings) != 2 or not boundary:
        return None
    head, _blank, body = raw.partition(b"\r\n\r\n")
    kept = [
        header + b"\r\n"
        for header in re.split(rb"\r\n(?![ \t])", head)
        if header.split(b":", 1)[0].strip().lower() not in PERSONAL_HEADERS
    ]
    delimiter = b"--" + boundary.encode()
    pieces = body.split(delimiter)
    if len(pieces) != 4:
        return None
    parts = []
    for piece, encoding, source in zip(pieces[1:3], encodings, (text, html_body), strict=True):
        at = piece.find(b"\r\n\r\n")
        if at < 0 or not piece.endswith(b"\r\n"):
            return None
        part = _part(piece[: at + 4], piece[at + 4 : -2], encoding=encoding, source=source)
        if part is None:
            return None
        parts.append(part)
    return MessageTemplate(
        from_email=probe.from_email,
        encoding=probe.encoding or settings.DEFAULT_CHARSET,
        head=b"".join(kept),
        delimiter=delimiter,
        preamble=pieces[0],
        text=parts[0],
        html=parts[1],
        epilogue=pieces[3],
    )


def _header(name: str, value: str, encoding: str) -> bytes:
    name, value = forbid_multi_line_headers(name, value, encoding)
    return _FOLD.fold_binary(name, value)


def personalise(*, template: MessageTemplate, email: str, message_id: str, values: dict[str, str]) -> bytes | None:
    """The recipient's message (``values``: the placeholders' values, unescaped, with
    ``UNSUBSCRIBE`` the List-Unsubscribe URL too), or None when substitution would not give
    what Django builds (the caller builds it instead): a value that is not printable ASCII
    (encodings and line breaks would be Django's to choose) or holds the MIME boundary."""
    if not all(value.isascii() and value.isprintable() for value in values.values()):
        return None
    if any(template.delimiter[2:].decode() in value for value in values.values()):
        return None
    text = template.text.fill(values)
    markup = template.html.fill({key: html.escape(value) for key, value in values.items()})
    if text is None or markup is None:
        return None
    return b"".join(
        (
            template.head,
            _header("To", email, template.encoding),
            _header("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME), template.encoding),
            _header("Message-ID", message_id, template.encoding),
            _header("List-Unsubscribe", f"<{values['UNSUBSCRIBE']}>", template.encoding),
            b"\r\n",
            template.preamble,
            template.delimiter,
            template.text.head,
            text,
            b"\r\n",
            template.delimiter,
            template.html.head,
            markup,
            b"\r\n",
            template.delimiter,
            template.epilogue,
        )
    )


class _Flattened:
    def __init__(self, raw: bytes):
        self.raw = raw

    def as_bytes(self, linesep: str = "\r\n") -> bytes:
        return self.raw


class PrebuiltEmail(EmailMultiAlternatives):
    """An email whose bytes are ready: Django's SMTP backend sends them as they are."""

    def __init__(self, *, raw: bytes, from_email: str, to: str, encoding: str, connection=None):
        super().__init__(from_email=from_email, to=[to], connection=connection)
        self.encoding = encoding
        self.raw = raw

    def message(self) -> _Flattened:  # type: ignore[override]
        return _Flattened(self.raw)

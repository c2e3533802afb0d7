"""The kinds of notification, registered by the apps that send them.

shop knows no app: checkout registers "order_placed", social registers "new_follower", each
with its text and, if it emails, its templates and the context they need. Registration
happens in the app's ``AppConfig.ready()``, several kinds at once if need be:

    kinds.register(
        Kind(name="new_follower", label=_("New followers"), text=follower_text, email_template=GENERIC_EMAIL),
        Kind(name="post_liked", label=_("Likes on your posts"), text=like_text, email_template=GENERIC_EMAIL),
    )
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    # ``text(actor_name, others, data)``: the inbox line, e.g. "Ani and 4 others liked your post".
    text: Callable[[str, int, dict], str]
    # Transactional kinds (orders, payments) always email; the others follow preferences.
    transactional: bool = False
    # A template prefix: ``<prefix>_subject.txt``, ``<prefix>.txt`` and ``<prefix>.html``;
    # empty for in-app only kinds.
    email_template: str = ""
    # ``email_context(notification) -> dict``: extra context the templates need (loaded at
    # send time, so the email shows the current state: the order, its lines).
    email_context: Callable | None = None
    # Whether the kind emails by default (a user's preference overrides, except transactional).
    email_by_default: bool = True
    # Kinds in one settings group share a row on the preferences page.
    group: str = field(default="")

    @property
    def emails(self) -> bool:
        return bool(self.email_template)


# The email of a kind that needs no template of its own: its inbox line and a link to it.
GENERIC_EMAIL = "notifications/emails/generic"

_registry: dict[str, Kind] = {}


def register(*new: Kind) -> None:
    for kind in new:
        _registry[kind.name] = kind


def get(name: str) -> Kind | None:
    return _registry.get(name)


def all_kinds() -> list[Kind]:
    return list(_registry.values())


def optional_kinds() -> list[Kind]:
    """The kinds a user may turn off (everything but transactional ones)."""
    return [kind for kind in _registry.values() if not kind.transactional]


def unknown_text(actor: str, others: int, data: dict) -> str:
    return str(_("You have a new notification."))

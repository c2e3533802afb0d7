"""The seller's writes to the assistant: its settings, weekly hours, holidays and FAQ. Every FAQ
write forgets the store's compiled FAQ in the cache (``matching.forget_faq_index``), after
commit, so the next message is matched against what the seller wrote."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import Store
from chat.assistant import matching
from chat.assistant.models import (
    KEYWORDS_MAX,
    QUESTION_MAX,
    TEXT_MAX,
    AssistantSettings,
    FaqEntry,
    Holiday,
    OpeningHours,
)
from chat.services import rules
from shop.models import User

# A store keeps at most this many FAQ entries: each shopper's message is matched against all of them.
FAQ_MAX = 1000
SETTINGS_FIELDS = (
    "enabled",
    "time_zone",
    "on_holiday",
    "greeting",
    "away_message",
    "auto_reply",
    "auto_reply_minutes",
    "pause_minutes",
)


def _require_owner(*, store: Store, actor: User) -> None:
    if not rules.is_store_member(user=actor, store=store):
        raise PermissionDenied(_("Only the store's owner sets up its assistant."))


def settings_of(*, store: Store) -> AssistantSettings:
    """The store's settings, or unsaved defaults (the assistant on, once saved)."""
    return AssistantSettings.objects.filter(store=store).first() or AssistantSettings(store=store)


def update_settings(*, store: Store, actor: User, **changes: Any) -> AssistantSettings:
    """Change the named settings (``SETTINGS_FIELDS``), validated as the model says."""
    _require_owner(store=store, actor=actor)
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown settings: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    for name in ("greeting", "away_message", "auto_reply"):
        if name in changes:
            changes[name] = rules.clean_text(changes[name], field=name, limit=TEXT_MAX)
    with transaction.atomic():
        settings = AssistantSettings.objects.select_for_update().filter(store=store).first()
        settings = settings or AssistantSettings(store=store)
        for name, value in changes.items():
            setattr(settings, name, value)
        settings.full_clean(exclude=["store"])
        settings.save()
    return settings


@dataclass(frozen=True)
class OpeningInput:
    weekday: int
    opens: time
    closes: time


def set_opening_hours(*, store: Store, actor: User, openings: Iterable[OpeningInput]) -> list[OpeningHours]:
    """Replace the store's weekly hours. ``closes`` at or before ``opens``: past midnight."""
    _require_owner(store=store, actor=actor)
    rows = []
    seen = set()
    for opening in openings:
        if not isinstance(opening.weekday, int) or not 0 <= opening.weekday <= 6:
            raise ValidationError({"weekday": _("Choose a day of the week.")})
        if (opening.weekday, opening.opens) in seen:
            raise ValidationError({"opens": _("Two openings start at the same time on one day.")})
        seen.add((opening.weekday, opening.opens))
        rows.append(OpeningHours(store=store, weekday=opening.weekday, opens=opening.opens, closes=opening.closes))
    with transaction.atomic():
        OpeningHours.objects.filter(store=store).delete()
        OpeningHours.objects.bulk_create(rows)
    return rows


def add_holiday(*, store: Store, actor: User, day: date, name: str = "") -> Holiday:
    _require_owner(store=store, actor=actor)
    name = rules.clean_text(name, field="name", limit=80)
    holiday, _created = Holiday.objects.update_or_create(store=store, date=day, defaults={"name": name})
    return holiday


def remove_holiday(*, store: Store, actor: User, day: date) -> None:
    _require_owner(store=store, actor=actor)
    Holiday.objects.filter(store=store, date=day).delete()


def _clean_faq(*, question: object, answer: object, keywords: object) -> tuple[str, str, str]:
    question = rules.clean_text(question, field="question", limit=QUESTION_MAX, required=True)
    answer = rules.clean_text(answer, field="answer", limit=TEXT_MAX, required=True)
    keywords = rules.clean_text(keywords, field="keywords", limit=KEYWORDS_MAX)
    if not matching.phrases(keywords) and not matching.normalise(question):
        raise ValidationError({"keywords": _("Give a few keywords: the question alone has no words to match.")})
    return question, answer, keywords


def _forget_on_commit(store_id: int) -> None:
    transaction.on_commit(functools.partial(matching.forget_faq_index, store_id))


def create_faq(*, store: Store, actor: User, question: str, answer: str, keywords: str = "") -> FaqEntry:
    _require_owner(store=store, actor=actor)
    question, answer, keywords = _clean_faq(question=question, answer=answer, keywords=keywords)
    with transaction.atomic():
        if FaqEntry.objects.filter(store=store).count() >= FAQ_MAX:
            raise ValidationError(_("A store keeps at most %(n)d answers.") % {"n": FAQ_MAX})
        entry = FaqEntry.objects.create(store=store, question=question, answer=answer, keywords=keywords)
        _forget_on_commit(store.pk)
    return entry


def update_faq(*, entry: FaqEntry, actor: User, question: str, answer: str, keywords: str = "") -> FaqEntry:
    _require_owner(store=entry.store, actor=actor)
    entry.question, entry.answer, entry.keywords = _clean_faq(question=question, answer=answer, keywords=keywords)
    with transaction.atomic():
        entry.save(update_fields=["question", "answer", "keywords", "updated_at"])
        _forget_on_commit(entry.store_id)
    return entry


def delete_faq(*, entry: FaqEntry, actor: User) -> None:
    _require_owner(store=entry.store, actor=actor)
    with transaction.atomic():
        store_id = entry.store_id
        entry.delete()
        _forget_on_commit(store_id)

"""The seller's report on the assistant: conversations it closed alone, handoffs to a person,
the answers it gave by topic, and the questions it could not answer (to write new answers from).
A read (selector): it writes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Max
from django.db.models.functions import Lower
from django.utils import timezone

from catalog.models import Store
from chat.assistant.models import AssistantEvent
from chat.models import Message, Side

REPORT_DAYS = 30
UNANSWERED_SHOWN = 50


@dataclass(frozen=True)
class UnansweredQuestion:
    text: str
    times: int
    last_asked: datetime


@dataclass
class AssistantReport:
    days: int
    answers: int = 0
    # Conversations where the assistant answered and no person of the store wrote, and the
    # shopper did not ask for one.
    closed_alone: int = 0
    handoffs: int = 0
    auto_replies: int = 0
    by_topic: dict[str, int] = field(default_factory=dict)
    unanswered: list[UnansweredQuestion] = field(default_factory=list)


def assistant_report(*, store: Store, days: int = REPORT_DAYS, now: datetime | None = None) -> AssistantReport:
    now = now or timezone.now()
    since = now - timedelta(days=days)
    events = AssistantEvent.objects.filter(store=store, created_at__gte=since)
    report = AssistantReport(days=days)
    counts = dict(events.values_list("kind").annotate(n=Count("id")).order_by())
    report.answers = counts.get(AssistantEvent.Kind.ANSWERED, 0)
    report.handoffs = counts.get(AssistantEvent.Kind.HANDOFF, 0)
    report.auto_replies = counts.get(AssistantEvent.Kind.AUTO_REPLY, 0)
    report.by_topic = dict(
        events.filter(kind=AssistantEvent.Kind.ANSWERED).values_list("topic").annotate(n=Count("id")).order_by("-n")
    )
    answered = events.filter(kind=AssistantEvent.Kind.ANSWERED).values("conversation_id")
    handed = events.filter(kind=AssistantEvent.Kind.HANDOFF).values("conversation_id")
    person_wrote = Message.objects.filter(
        conversation__store=store, sender_side=Side.STORE, is_automated=False, created_at__gte=since
    ).values("conversation_id")
    report.closed_alone = (
        answered.exclude(conversation_id__in=handed)
        .exclude(conversation_id__in=person_wrote)
        .values("conversation_id")
        .distinct()
        .count()
    )
    rows = (
        events.filter(kind=AssistantEvent.Kind.UNANSWERED)
        .annotate(key=Lower("text"))
        .values("key")
        .annotate(times=Count("id"), last_asked=Max("created_at"), text=Max("text"))
        .order_by("-times", "-last_asked")[:UNANSWERED_SHOWN]
    )
    report.unanswered = [UnansweredQuestion(row["text"], row["times"], row["last_asked"]) for row in rows]
    return report

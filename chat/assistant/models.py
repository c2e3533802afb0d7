"""The assistant's rows: a store's settings, weekly hours and holidays, its FAQ, the assistant's
state in each conversation, and what it did (the seller's report reads those).

Imported at the end of ``chat/models.py``, so they belong to the chat app.
"""

from __future__ import annotations

import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Store

TEXT_MAX = 1000
QUESTION_MAX = 300
KEYWORDS_MAX = 500
DEFAULT_TIME_ZONE = "Asia/Jakarta"


@functools.cache
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    # A known name only: ZoneInfo() itself opens whatever path it is given.
    if value not in time_zones():
        raise ValidationError(_("Enter a time zone such as Asia/Jakarta."))


class AssistantSettings(models.Model):
    """What a store's assistant says and when. A store without a row has no assistant."""

    store = models.OneToOneField(
        Store, on_delete=models.CASCADE, primary_key=True, related_name="assistant_settings", verbose_name=_("store")
    )
    enabled = models.BooleanField(_("assistant on"), default=True)
    time_zone = models.CharField(
        _("time zone"), max_length=40, default=DEFAULT_TIME_ZONE, validators=[validate_time_zone]
    )
    on_holiday = models.BooleanField(
        _("on holiday"),
        default=False,
        help_text=_("While on, the store counts as closed and the away message is sent."),
    )
    greeting = models.TextField(
        _("greeting"),
        max_length=TEXT_MAX,
        blank=True,
        help_text=_("Sent when a shopper writes, at most once a day per shopper. Empty: no greeting."),
    )
    away_message = models.TextField(
        _("away message"),
        max_length=TEXT_MAX,
        blank=True,
        help_text=_("Sent outside your opening hours and on holidays. Empty: none."),
    )
    auto_reply = models.TextField(
        _("auto-reply"),
        max_length=TEXT_MAX,
        blank=True,
        help_text=_("Sent when nobody answered a shopper within the time below. Empty: none."),
    )
    auto_reply_minutes = models.PositiveIntegerField(
        _("auto-reply after (minutes)"), default=15, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    pause_minutes = models.PositiveIntegerField(
        _("pause after you write (minutes)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
        help_text=_("When you write in a chat yourself, the assistant stays quiet there for this long."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("assistant settings")
        verbose_name_plural = _("assistant settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(auto_reply_minutes__gte=1) & Q(pause_minutes__gte=1), name="chat_assistant_minutes_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(self.store)


class OpeningHours(models.Model):
    """One opening of a weekday, in the store's time zone. ``closes`` at or before ``opens``
    runs past midnight into the next day (22:00–02:00); ``opens == closes`` is the whole day."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="opening_hours", verbose_name=_("store"))
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"), help_text=_("Earlier than the opening: open past midnight."))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=0) & Q(weekday__lte=6), name="chat_hours_weekday"),
            models.UniqueConstraint(fields=["store", "weekday", "opens"], name="chat_hours_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Holiday(models.Model):
    """A date (in the store's time zone) the store is closed; openings starting that day do not open."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="holidays", verbose_name=_("store"))
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["store", "date"], name="chat_holiday_once")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


class FaqEntry(models.Model):
    """A seller's question and answer. The assistant answers with it when a shopper's message
    matches one of its keywords (comma-separated phrases) or its question."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="faq_entries", verbose_name=_("store"))
    question = models.CharField(_("question"), max_length=QUESTION_MAX)
    keywords = models.CharField(
        _("keywords"),
        max_length=KEYWORDS_MAX,
        blank=True,
        help_text=_("Words or phrases, separated by commas: bahan, material, kain katun."),
    )
    answer = models.TextField(_("answer"), max_length=TEXT_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("FAQ answer")
        verbose_name_plural = _("FAQ answers")
        ordering = ["question", "id"]
        indexes = [models.Index(fields=["store", "id"], name="chat_faq_store")]

    def __str__(self) -> str:
        return self.question


class AssistantState(models.Model):
    """The assistant in one conversation: which shopper messages it has considered, whether the
    shopper asked for a person, when it last greeted and sent the away message."""

    conversation = models.OneToOneField(
        "chat.Conversation", on_delete=models.CASCADE, primary_key=True, related_name="assistant_state"
    )
    # The newest shopper message the assistant has decided about (0: none).
    considered_through_id = models.BigIntegerField(default=0)
    # The shopper asked for a person: the assistant is silent until the store hands back.
    handoff_at = models.DateTimeField(null=True, blank=True)
    # The store handed the chat back: its own messages before this no longer pause the assistant.
    handed_back_at = models.DateTimeField(null=True, blank=True)
    greeted_at = models.DateTimeField(null=True, blank=True)
    away_sent_at = models.DateTimeField(null=True, blank=True)
    # The shopper's wait (Conversation.shopper_waiting_since) the auto-reply was sent for.
    auto_replied_for = models.DateTimeField(null=True, blank=True)
    # The guided finder under way: {"question": id of the question asked, "picked": [choice ids]}.
    finder = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("assistant state")
        verbose_name_plural = _("assistant states")

    def __str__(self) -> str:
        return str(self.conversation_id)


class AssistantEvent(models.Model):
    """What the assistant did (or could not do) in a conversation: the seller's report."""

    class Kind(models.TextChoices):
        ANSWERED = "answered", _("Answered")
        UNANSWERED = "unanswered", _("Could not answer")
        HANDOFF = "handoff", _("Handed to a person")
        HANDED_BACK = "handed_back", _("Handed back to the assistant")
        GREETING = "greeting", _("Greeting")
        AWAY = "away", _("Away message")
        AUTO_REPLY = "auto_reply", _("Auto-reply")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey("chat.Conversation", on_delete=models.CASCADE, related_name="assistant_events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # What answered: "faq", "shipping", "cod", "payment", "hours", "stock", "order"; empty otherwise.
    topic = models.CharField(max_length=20, blank=True)
    faq = models.ForeignKey(FaqEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The shopper's words, for the questions it could not answer.
    text = models.CharField(max_length=QUESTION_MAX, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("assistant event")
        verbose_name_plural = _("assistant events")
        indexes = [models.Index(fields=["store", "-created_at"], name="chat_assistant_event_recent")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.conversation_id}"


FINDER_QUESTIONS_MIN, FINDER_QUESTIONS_MAX = 2, 4


class FinderQuestion(models.Model):
    """One question of a store's guided finder ("What are you looking for?"), asked in order.
    Its choices narrow the store's catalog; the finder ends with product cards."""

    class Kind(models.TextChoices):
        CATEGORY = "category", _("Category")
        OPTION = "option", _("Option (size, colour...)")
        PRICE = "price", _("Price band")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="finder_questions", verbose_name=_("store"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=QUESTION_MAX)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    option_name = models.CharField(
        _("option"),
        max_length=40,
        blank=True,
        help_text=_("For an option question: its name, as in your variants (Size)."),
    )

    class Meta:
        verbose_name = _("finder question")
        verbose_name_plural = _("finder questions")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class FinderChoice(models.Model):
    """An answer a shopper taps: a category, an option value, or a price band."""

    question = models.ForeignKey(FinderQuestion, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label = models.CharField(_("label"), max_length=40)
    category = models.ForeignKey(
        "catalog.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    option_value = models.CharField(_("option value"), max_length=40, blank=True)
    min_price = models.PositiveBigIntegerField(_("from (price)"), null=True, blank=True)
    max_price = models.PositiveBigIntegerField(_("up to (price)"), null=True, blank=True)

    class Meta:
        verbose_name = _("finder answer")
        verbose_name_plural = _("finder answers")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_price__isnull=True) | Q(max_price__isnull=True) | Q(max_price__gte=F("min_price")),
                name="chat_finder_price_band_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class CartNudge(models.Model):
    """The assistant reminded a shopper, in their chat with the store, of the store's lines left
    in their cart. Once per cart and store until the cart changes (``nudged_for``: the cart's
    ``updated_at`` it was sent for)."""

    cart = models.ForeignKey("checkout.Cart", on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    nudged_for = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("cart reminder in the chat")
        verbose_name_plural = _("cart reminders in the chat")
        constraints = [models.UniqueConstraint(fields=["cart", "store"], name="chat_cart_nudge_once")]

    def __str__(self) -> str:
        return f"{self.cart_id} · {self.store_id}"

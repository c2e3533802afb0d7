from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.fields import VerifiedImageField


class User(AbstractUser):
    """A person on Etalase: a shopper, and a seller once they open a store.

    ``username`` is the public handle (profile URLs, @mentions); login is by email.
    """

    email = models.EmailField(_("email address"), blank=True)
    bio = models.CharField(_("bio"), max_length=300, blank=True)
    # Emails and notifications go out in this language (one of settings.LANGUAGES).
    language = models.CharField(_("language"), max_length=8, blank=True)
    # "Let friends see what I buy": off unless the user turns it on.
    share_purchases = models.BooleanField(_("let friends see what I buy"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


def _original_upload_to(instance, filename: str) -> str:
    return f"{instance.image_folder}/originals/{filename}"


def _rendition_upload_to(instance, filename: str) -> str:
    return f"{instance.image_folder}/renditions/{filename}"


class RenditionedImage(models.Model):
    """An uploaded picture (verified and re-encoded) with its renditions, made once by a task.

    Until the renditions exist the original is shown. ``shop.images.fill_renditions``
    makes them; subclasses set ``image_folder``.
    """

    image_folder = "images"

    image = VerifiedImageField(_("image"), upload_to=_original_upload_to, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    alt_text = models.CharField(
        _("alt text"), max_length=200, blank=True, help_text=_("Describe the picture for people who cannot see it.")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    thumbnail = models.ImageField(upload_to=_rendition_upload_to, blank=True, editable=False)
    display = models.ImageField(upload_to=_rendition_upload_to, blank=True, editable=False)
    webp = models.ImageField(upload_to=_rendition_upload_to, blank=True, editable=False)
    renditions_source = models.CharField(max_length=255, blank=True, editable=False)
    # When the picture was stored: a sweeper hands over again, for a while, the renditions of a
    # picture still without them (their task was lost to a broker outage). See shop.broker.
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    @property
    def renditions_ready(self) -> bool:
        return bool(self.display) and self.renditions_source == self.image.name

    @property
    def thumbnail_url(self) -> str:
        return self.thumbnail.url if self.renditions_ready else self.image.url

    @property
    def display_url(self) -> str:
        return self.display.url if self.renditions_ready else self.image.url

    @property
    def webp_url(self) -> str:
        return self.webp.url if self.renditions_ready else ""


# --- Notifications ------------------------------------------------------------------------


class Notification(models.Model):
    """Something that happened that ``recipient`` should know about (the in-app inbox).

    Generic: ``kind`` names an entry of ``shop.notifications.kinds``, registered by the app
    that sends it; ``data`` holds what its text and email need. Notifications sharing a
    ``group_key`` (``"like:post:42"``) show as one line: "Ani and 4 others liked your post".
    """

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=40)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("actor")
    )
    target_url = models.CharField(_("link"), max_length=300, blank=True)
    group_key = models.CharField(max_length=120, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # False for an email-only notification (the recipient turned the in-app kind off).
    in_app = models.BooleanField(default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at", "-id"], condition=models.Q(in_app=True), name="notification_inbox"
            ),
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True, in_app=True), name="notification_unread"
            ),
            # A group's notifications, newest first: is a row its group's latest, the group's
            # counts and second actor (shop.notifications.selectors.inbox), mark a group read.
            models.Index(
                fields=["recipient", "group_key", "-created_at", "-id"],
                condition=models.Q(in_app=True),
                name="notification_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient}"


class Delivery(models.Model):
    """The email of a notification: a row first, sent second. ``state`` makes sending
    idempotent (a retried task finds it sent) and lets the sweeper find what is stuck.

    Each attempt is handed to the broker once: ``next_attempt_at`` is when the next attempt
    is due (now, or after a retry's backoff) and ``handed_over_until`` is set while a task
    for it is with the broker or a worker. The sweeper takes only deliveries that are due and
    not handed over, or whose hand-over expired (the task was lost: a worker died).
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notification = models.OneToOneField(Notification, on_delete=models.CASCADE, related_name="delivery")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    handed_over_until = models.DateTimeField(_("with the worker until"), null=True, blank=True)

    class Meta:
        verbose_name = _("email delivery")
        verbose_name_plural = _("email deliveries")
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(state="pending"), name="delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.notification} ({self.state})"


class NotificationPreference(models.Model):
    """A user's choice for one kind of notification. No row means the kind's default."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(_("kind"), max_length=40)
    email = models.BooleanField(_("by email"), default=True)
    in_app = models.BooleanField(_("in the app"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind}"

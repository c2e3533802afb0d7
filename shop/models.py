from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from shop.fields import VerifiedImageField


class User(AbstractUser):
    """A person on Etalase: a shopper, and a seller once they open a store.

    ``username`` is the public handle (profile URLs, @mentions); login is by email.
    """

    email = models.EmailField(_("email address"), blank=True)
    bio = models.CharField(_("bio"), max_length=300, blank=True)

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

"""Forms of the social pages. They parse and check what a person typed; the services
decide whether it may happen (who may post as whom, which products may be tagged)."""

from __future__ import annotations

import math
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, Store
from shop.i18n import interpolate_lazy
from shop.images import verify_image
from social import services
from social.models import CAPTION_MAX, COMMENT_MAX, POST_IMAGES_MAX, REVIEW_PHOTOS_MAX, PostImage, Profile, ReviewReport
from social.models.reviews import REPLY_MAX, REVIEW_BODY_MAX, REVIEW_TITLE_MAX
from social.services.posts import TAGS_PER_IMAGE_MAX, TagSpec

TAG_FIELD = re.compile(r"^tags-(\d{1,4})-image$")
ALT_MAX = 200


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """1 to ``POST_IMAGES_MAX`` pictures, each verified (real JPEG/PNG/WebP, size and
    pixel limits) and re-encoded. Every bad file is reported by its name."""

    widget = MultipleImageInput

    def __init__(self, *args, max_files: int = POST_IMAGES_MAX, **kwargs):
        self.max_files = max_files
        super().__init__(*args, **kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"accept": "image/jpeg,image/png,image/webp", "multiple": True})
        return attrs

    def clean(self, data, initial=None):
        files = [upload for upload in (data or []) if upload]
        if not files:
            raise ValidationError(_("Choose 1 to %(n)d pictures.") % {"n": self.max_files}, code="required")
        if len(files) > self.max_files:
            raise ValidationError(
                _("A post has at most %(n)d pictures; you chose %(count)d.")
                % {"n": self.max_files, "count": len(files)},
                code="too_many",
            )
        verified, errors = [], []
        for upload in files:
            try:
                verified.append(verify_image(upload))
            except ValidationError as exc:
                for message in exc.messages:
                    errors.append(
                        ValidationError(
                            _("%(file)s: %(error)s") % {"file": upload.name, "error": message}, code="bad_image"
                        )
                    )
        if errors:
            raise ValidationError(errors)
        return verified


def posting_profiles(user) -> list[Profile]:
    """The profiles ``user`` may post as: their own, and their store's if they have one."""
    profiles = [services.profile_for_user(user=user)]
    store = Store.objects.filter(owner=user, is_active=True).first()
    if store is not None:
        profiles.append(services.profile_for_store(store=store))
    return profiles


class PostForm(forms.Form):
    """A new post: pictures, caption, the profile it is posted as, alt texts and tags.

    Tags arrive as ``tags-N-image``, ``tags-N-product``, ``tags-N-x``, ``tags-N-y``
    (written by static/js/post-composer.js); alt texts as ``alt-0`` ... ``alt-9``.
    """

    profile = forms.TypedChoiceField(
        label=_("Post as"),
        coerce=int,
        error_messages={"invalid_choice": _("You cannot post for this profile.")},
    )
    images = MultipleImageField(
        label=_("Pictures"),
        help_text=interpolate_lazy(_("1 to %(n)d photos: JPEG, PNG or WebP."), {"n": POST_IMAGES_MAX}),
    )
    caption = forms.CharField(
        label=_("Caption"),
        required=False,
        max_length=CAPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Use #hashtags so people find your post, and @name to mention someone."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.profiles = {profile.pk: profile for profile in posting_profiles(user)}
        self.fields["profile"].choices = [
            (pk, _("%(name)s (your store)") % {"name": profile.name} if profile.is_store else _("Myself"))
            for pk, profile in self.profiles.items()
        ]
        self.fields["profile"].initial = next(iter(self.profiles))
        for index in range(POST_IMAGES_MAX):
            self.fields[f"alt-{index}"] = forms.CharField(
                label=_("Description of picture %(number)d") % {"number": index + 1},
                required=False,
                max_length=ALT_MAX,
            )
        self.tag_rows: list[dict] = []

    @property
    def alt_fields(self) -> list:
        return [self[f"alt-{index}"] for index in range(POST_IMAGES_MAX)]

    @property
    def can_choose_profile(self) -> bool:
        return len(self.profiles) > 1

    def clean_profile(self) -> Profile:
        return self.profiles[self.cleaned_data["profile"]]

    def _read_tags(self) -> list[dict]:
        """The tag rows as sent, in order, with the product looked up (None if unknown)."""
        rows = []
        numbers = sorted(int(match.group(1)) for key in self.data if (match := TAG_FIELD.match(key)))
        for number in numbers:
            prefix = f"tags-{number}-"
            rows.append({name: (self.data.get(prefix + name) or "").strip() for name in ("image", "product", "x", "y")})
        ids = {int(row["product"]) for row in rows if row["product"].isdecimal()}
        products = Product.objects.select_related("store").in_bulk(ids) if ids else {}
        for row in rows:
            row["object"] = products.get(int(row["product"])) if row["product"].isdecimal() else None
            row["title"] = row["object"].title if row["object"] else ""
        return rows

    def clean(self):
        data = super().clean()
        self.tag_rows = self._read_tags()
        if len(self.tag_rows) > POST_IMAGES_MAX * TAGS_PER_IMAGE_MAX:
            raise ValidationError(_("Too many product tags."))
        specs = []
        for row in self.tag_rows:
            if row["object"] is None:
                raise ValidationError(_("A tagged product no longer exists. Remove the tag and pick it again."))
            try:
                image_index, x, y = int(row["image"]), float(row["x"]), float(row["y"])
            except ValueError:
                raise ValidationError(_("A tag needs a picture and a position x and y between 0 and 1.")) from None
            if not (math.isfinite(x) and math.isfinite(y)):
                raise ValidationError(_("A tag needs a picture and a position x and y between 0 and 1."))
            specs.append(TagSpec(image_index=image_index, product=row["object"], x=x, y=y))
        data["tags"] = specs
        data["alt_texts"] = [data.get(f"alt-{index}", "") for index in range(POST_IMAGES_MAX)]
        return data

    def composer_state(self) -> dict:
        """What the composer script rebuilds after a refused submit: the tags placed so far."""
        return {
            "tags": [
                {"image": row["image"], "product": row["product"], "title": row["title"], "x": row["x"], "y": row["y"]}
                for row in self.tag_rows
                if row["object"] is not None
            ]
        }

    def add_service_error(self, error: ValidationError) -> None:
        """Put a service's ValidationError on the matching field, or above the form."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields and field != "__all__" else None, messages)
        else:
            self.add_error(None, error.messages)


class CaptionForm(forms.Form):
    caption = forms.CharField(
        label=_("Caption"), required=False, max_length=CAPTION_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 2}), strip=True
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class TagForm(forms.Form):
    """Add one product tag to a published post (the edit-tags page)."""

    image = forms.ModelChoiceField(
        label=_("Picture"), queryset=PostImage.objects.none(), widget=forms.RadioSelect, empty_label=None
    )
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.select_related("store"),
        error_messages={"required": _("Choose a product to tag.")},
    )
    # xgettext:no-python-format
    x = forms.FloatField(label=_("Across (% from the left)"), min_value=0, max_value=100)
    # xgettext:no-python-format
    y = forms.FloatField(label=_("Down (% from the top)"), min_value=0, max_value=100)

    def __init__(self, *args, post, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["image"].queryset = post.images.order_by("position", "id")
        self.fields["image"].label_from_instance = lambda image: (
            _("Picture %(number)d") % {"number": image.position + 1}
        )


# --- Reviews ------------------------------------------------------------------------------


class ReviewPhotosField(forms.FileField):
    """Up to ``REVIEW_PHOTOS_MAX`` new photos, counted here before any is decoded; the review
    service verifies each one (``shop.images.verify_image``) and names every bad file."""

    widget = MultipleImageInput

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"accept": "image/jpeg,image/png,image/webp", "multiple": True})
        return attrs

    def clean(self, data, initial=None):
        files = [upload for upload in (data or []) if upload]
        if len(files) > REVIEW_PHOTOS_MAX:
            raise ValidationError(
                _("A review has at most %(n)d photos; you chose %(count)d.")
                % {"n": REVIEW_PHOTOS_MAX, "count": len(files)},
                code="too_many",
            )
        return files


class ServiceErrorsMixin:
    def add_service_error(self, error: ValidationError) -> None:
        """Put a service's ValidationError on the matching field, or above the form."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields and field != "__all__" else None, messages)
        else:
            self.add_error(None, error.messages)


class ReviewForm(ServiceErrorsMixin, forms.Form):
    """A shopper's review: stars, title, text, photos (new ones, and which of theirs to remove)."""

    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(star, str(star)) for star in range(5, 0, -1)],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose 1 to 5 stars."), "invalid_choice": _("Choose 1 to 5 stars.")},
    )
    title = forms.CharField(label=_("Title"), required=False, max_length=REVIEW_TITLE_MAX)
    body = forms.CharField(
        label=_("Your review"),
        required=False,
        max_length=REVIEW_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What did you like, what not? How was the size, the taste, the delivery?"),
    )
    photos = ReviewPhotosField(
        label=_("Add photos"),
        required=False,
        help_text=interpolate_lazy(_("Up to %(n)d photos in all: JPEG, PNG or WebP."), {"n": REVIEW_PHOTOS_MAX}),
    )
    photo_alt = forms.CharField(
        label=_("Describe the new photos"),
        required=False,
        max_length=ALT_MAX,
        help_text=_("For people who cannot see them."),
    )
    remove_photos = forms.TypedMultipleChoiceField(
        label=_("Remove photos"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, review=None, **kwargs):
        self.review = review
        self.existing_photos = []
        if review is not None:
            self.existing_photos = list(review.photos.order_by("position", "id"))
            kwargs.setdefault("initial", {"rating": review.rating, "title": review.title, "body": review.body})
        super().__init__(*args, **kwargs)
        self.fields["remove_photos"].choices = [
            (photo.pk, _("Photo %(number)d") % {"number": number})
            for number, photo in enumerate(self.existing_photos, start=1)
        ]
        if not self.existing_photos:
            del self.fields["remove_photos"]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        photos = data.get("photos") or []
        return {
            "rating": data["rating"],
            "title": data.get("title", ""),
            "body": data.get("body", ""),
            "photos": photos,
            "photo_alts": [data.get("photo_alt", "")] * len(photos),
            "remove_photo_ids": data.get("remove_photos") or [],
        }


class ReviewReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why do you report this review?"),
        choices=ReviewReport.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose why you report this review.")},
    )
    note = forms.CharField(label=_("Anything to add? (optional)"), required=False, max_length=500)


class ReviewReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), max_length=REPLY_MAX, widget=forms.Textarea(attrs={"rows": 3}), strip=True
    )

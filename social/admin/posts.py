"""A store's posts (caption, pictures, product tags) and the posts of others that tag its products."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.forms.models import BaseInlineFormSet
from django.urls import NoReverseMatch
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog.admin.products import image_preview
from catalog.admin.scoping import LabelledTabularInline, StoreScopedAdminMixin, sees_all_stores, with_store_column
from catalog.models import Product
from social import services
from social.models import Post, PostImage, ProductTag, TaggedPost
from social.services.posts import TAGS_PER_IMAGE_MAX, check_tag

# --- Shared bits --------------------------------------------------------------------------


def excerpt(text: str, length: int = 60) -> str:
    return Truncator(" ".join((text or "").split())).chars(length)


def site_link(obj, label=None) -> str:
    """A link to ``obj``'s page on the site, or nothing while the site has no such page."""
    try:
        url = obj.get_absolute_url()
    except NoReverseMatch:
        return ""
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, label or _("View on site"))


def first_picture(post: Post) -> str:
    pictures = getattr(post, "ordered_images", None)
    if pictures is None:
        pictures = list(post.images.order_by("position", "id")[:1])
    return image_preview(pictures[0]) if pictures else ""


def with_pictures(queryset):
    return queryset.prefetch_related(
        Prefetch("images", queryset=PostImage.objects.order_by("position", "id"), to_attr="ordered_images")
    )


# --- Pictures -----------------------------------------------------------------------------


class PostImageInline(admin.TabularInline):
    """The post's pictures, to look at: pictures are chosen when the post is published on the site."""

    model = PostImage
    fields = ("number", "preview", "alt_text")
    readonly_fields = fields
    ordering = ("position", "id")
    extra = 0
    can_delete = False

    @admin.display(description=_("picture"))
    def number(self, obj):
        return picture_label(obj)

    @admin.display(description=_("preview"))
    def preview(self, obj):
        return image_preview(obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Product tags -------------------------------------------------------------------------


def taggable_products(post: Post):
    """What ``post`` may tag: a store post its store's active products, a person's any active product."""
    products = Product.objects.filter(status=Product.Status.ACTIVE, store__is_active=True)
    if post.profile.store_id is not None:
        products = products.filter(store_id=post.profile.store_id)
    return products


def picture_label(picture: PostImage) -> str:
    """ "Picture 1", "Picture 2"...: how the tags name the pictures they are on."""
    return _("Picture %(number)d") % {"number": picture.position + 1}


class PictureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return picture_label(obj)


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.title


def position_field(label, help_text) -> forms.FloatField:
    return forms.FloatField(label=label, help_text=help_text, widget=forms.NumberInput(attrs={"step": "0.01"}))


class ProductTagForm(forms.ModelForm):
    """A tag on one of the post's pictures, checked with the rules of ``social.services``."""

    # Set by ``ProductTagInline.get_formset``: the post whose tags these are.
    post: Post | None = None

    image = PictureChoiceField(label=_("Picture"), queryset=PostImage.objects.none())
    product = ProductChoiceField(
        label=_("Product"),
        queryset=Product.objects.none(),
        error_messages={"invalid_choice": _("Choose one of the active products this post may tag.")},
    )
    x = position_field(_("Position x"), _("0 is the left edge of the picture, 1 the right edge."))
    y = position_field(_("Position y"), _("0 is the top edge of the picture, 1 the bottom edge."))

    class Meta:
        model = ProductTag
        fields = ("image", "product", "x", "y")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        post = self.post
        if post is None:
            return
        self.fields["image"].queryset = post.images.order_by("position", "id")
        products = taggable_products(post)
        if self.instance.pk:
            # A tag already there keeps its product even if it is no longer on sale.
            products = products | Product.objects.filter(pk=self.instance.product_id)
        self.fields["product"].queryset = products.order_by("title")

    def _clean_position(self, name: str, message) -> float | None:
        value = self.cleaned_data.get(name)
        if value is not None and not 0 <= value <= 1:
            raise ValidationError(message, code="outside_picture")
        return value

    def clean_x(self):
        return self._clean_position(
            "x", _("Put the tag inside the picture: x goes from 0 (left edge) to 1 (right edge).")
        )

    def clean_y(self):
        return self._clean_position(
            "y", _("Put the tag inside the picture: y goes from 0 (top edge) to 1 (bottom edge).")
        )

    def clean(self):
        cleaned_data = super().clean()
        product, x, y = (cleaned_data.get(name) for name in ("product", "x", "y"))
        if self.post is None or product is None or x is None or y is None or not self.has_changed():
            return cleaned_data
        try:
            check_tag(profile=self.post.profile, product=product, x=x, y=y)
        except ValidationError as exc:
            self.add_error("product", exc.messages)
        return cleaned_data


class ProductTagFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        per_picture: dict[int, int] = {}
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or self._should_delete_form(form):
                continue
            image = form.cleaned_data.get("image")
            if image is None:
                continue
            per_picture[image.pk] = per_picture.get(image.pk, 0) + 1
            if per_picture[image.pk] > TAGS_PER_IMAGE_MAX:
                form.add_error("image", _("A picture has at most %(n)d tags.") % {"n": TAGS_PER_IMAGE_MAX})


class ProductTagInline(LabelledTabularInline):
    model = ProductTag
    fk_name = "post"
    form = ProductTagForm
    formset = ProductTagFormSet
    fields = ("image", "product", "x", "y")
    extra = 1
    verbose_name = _("product tag")
    verbose_name_plural = _("product tags (a point on a picture, x and y from 0 to 1)")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.post = obj  # the form class is made for this call: setting it here is safe
        return formset

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("image", "product")

    # Tags are placed by the post's author (``services.tag_product``); others look.
    def _is_author(self, request, obj) -> bool:
        return obj is not None and obj.author_id == request.user.pk

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._is_author(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._is_author(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._is_author(request, obj)


def save_tags(*, actor, formset) -> None:
    """Apply the tag inline's changes through ``social.services``.

    Removals first (deleted tags, and the old place of a tag moved to another picture or
    product), then placements: a tag can take the place another one just left.
    """
    formset.save(commit=False)
    for tag in formset.deleted_objects:
        services.remove_tag(actor=actor, tag=tag)
    placements = list(formset.new_objects)
    for tag, _changed in formset.changed_objects:
        before = ProductTag.objects.select_related("post").get(pk=tag.pk)
        if (before.image_id, before.product_id) != (tag.image_id, tag.product_id):
            services.remove_tag(actor=actor, tag=before)
        placements.append(tag)
    for tag in placements:
        services.tag_product(actor=actor, image=tag.image, product=tag.product, x=tag.x, y=tag.y)


# --- Posts --------------------------------------------------------------------------------


class PostAdminForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ("caption",)
        widgets = {"caption": forms.Textarea(attrs={"rows": 5})}


@admin.register(Post)
class PostAdmin(StoreScopedAdminMixin, admin.ModelAdmin):
    """The posts published as the seller's store. Published on the site; edited and moderated here."""

    store_path = "profile__store"
    form = PostAdminForm
    list_display = ("picture", "caption_excerpt", "created_at", "like_count", "comment_count", "save_count", "on_site")
    list_display_links = ("picture", "caption_excerpt")
    list_filter = (("created_at", admin.DateFieldListFilter),)
    list_select_related = ("profile__store", "profile__user", "author")
    search_fields = ("caption",)
    ordering = ("-created_at", "-id")
    inlines = (PostImageInline, ProductTagInline)
    actions = ("hide_posts", "unhide_posts")
    counters = ("like_count", "comment_count", "save_count")

    def get_queryset(self, request):
        return with_pictures(super().get_queryset(request))

    def get_list_display(self, request):
        columns = with_store_column(request, self.list_display, after="caption_excerpt", column="profile")
        return (*columns, "is_hidden") if sees_all_stores(request) else columns

    def get_list_filter(self, request):
        return ("is_hidden", *self.list_filter) if sees_all_stores(request) else self.list_filter

    def get_search_fields(self, request):
        if sees_all_stores(request):
            return (*self.search_fields, "author__username", "profile__store__name", "profile__user__username")
        return self.search_fields

    def get_fields(self, request, obj=None):
        fields = ["profile", "author", "caption", "created_at", "edited_at", *self.counters, "on_site"]
        return [*fields, "is_hidden"] if sees_all_stores(request) else fields

    def get_readonly_fields(self, request, obj=None):
        return ["profile", "author", "created_at", "edited_at", *self.counters, "on_site", "is_hidden"]

    def has_add_permission(self, request):
        return False  # posts are published on the site, pictures and all

    def has_change_permission(self, request, obj=None):
        # Caption and tags are the author's (``services.edit_caption``, ``tag_product``):
        # anyone else, staff included, looks at the post and hides it if they must.
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.author_id == request.user.pk)

    def has_delete_permission(self, request, obj=None):
        # The author deletes (``services.delete_post``); staff hide.
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.author_id == request.user.pk)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, from the post's page
        return actions

    @admin.display(description=_("picture"))
    def picture(self, obj):
        return first_picture(obj)

    @admin.display(description=_("caption"))
    def caption_excerpt(self, obj):
        return excerpt(obj.caption) or self.get_empty_value_display()

    @admin.display(description=_("on the site"))
    def on_site(self, obj):
        return site_link(obj)

    def save_model(self, request, obj, form, change):
        # Never ``obj.save()``: it would write back counters read before the form was sent.
        if change and "caption" in form.changed_data:
            services.edit_caption(post=obj, editor=request.user, caption=form.cleaned_data["caption"])

    def save_formset(self, request, form, formset, change):
        if formset.model is ProductTag:
            save_tags(actor=request.user, formset=formset)
        else:
            formset.save()

    def delete_model(self, request, obj):
        services.delete_post(post=obj, actor=request.user)

    def get_deleted_objects(self, objs, request):
        # Deleting a post takes its comments, likes and tags with it (the author may do
        # that through ``services.delete_post``), whatever the author may do with comments.
        deleted, model_count, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, model_count, set(), protected

    def has_hide_permission(self, request):
        return sees_all_stores(request)

    @admin.action(description=_("Hide selected posts from every feed"), permissions=["hide"])
    def hide_posts(self, request, queryset):
        self._set_hidden(request, queryset, hidden=True)

    @admin.action(description=_("Show selected posts again"), permissions=["hide"])
    def unhide_posts(self, request, queryset):
        self._set_hidden(request, queryset, hidden=False)

    def _set_hidden(self, request, queryset, *, hidden: bool) -> None:
        posts = list(queryset.filter(is_hidden=not hidden))
        for post in posts:
            services.hide_post(post=post, hidden=hidden)
        if hidden:
            message = ngettext("%(count)d post was hidden.", "%(count)d posts were hidden.", len(posts))
        else:
            message = ngettext("%(count)d post is shown again.", "%(count)d posts are shown again.", len(posts))
        self.message_user(request, message % {"count": len(posts)}, messages.SUCCESS)


# --- Posts by others that tag the store's products ----------------------------------------


@admin.register(TaggedPost)
class TaggedPostAdmin(StoreScopedAdminMixin, admin.ModelAdmin):
    """Posts of shoppers that tag the seller's products: one row per tagged product. Read only.

    A store tags only its own products (``services.posts.check_tag``), so the posts by
    others are those published by people rather than by a store.
    """

    store_path = "product__store"
    list_display = ("picture", "posted_by", "caption_excerpt", "product", "posted_at", "on_site")
    list_display_links = ("picture", "caption_excerpt")
    list_filter = (("product", admin.RelatedOnlyFieldListFilter), ("post__created_at", admin.DateFieldListFilter))
    list_select_related = ("post__author", "post__profile__user", "post__profile__store", "product__store", "image")
    search_fields = ("post__caption", "product__title", "post__author__username", "post__author__first_name")
    ordering = ("-post__created_at", "-id")
    fields = ("picture", "posted_by", "caption", "product", "position", "posted_at", "on_site")
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request).filter(post__profile__user__isnull=False)
        if not sees_all_stores(request):
            queryset = queryset.filter(post__is_hidden=False)  # gone from the site for everyone
        return queryset

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="product")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("picture"))
    def picture(self, obj):
        obj.image.post = obj.post  # the same post, already loaded: the alt text names its author
        return image_preview(obj.image)

    @admin.display(description=_("posted by"), ordering="post__author__username")
    def posted_by(self, obj):
        return format_html("{} (@{})", obj.post.author.display_name, obj.post.author.username)

    @admin.display(description=_("caption"))
    def caption_excerpt(self, obj):
        return excerpt(obj.post.caption) or self.get_empty_value_display()

    @admin.display(description=_("caption"))
    def caption(self, obj):
        return obj.post.caption or self.get_empty_value_display()

    @admin.display(description=_("store"), ordering="product__store__name")
    def store(self, obj):
        return obj.product.store

    @admin.display(description=_("position on the picture"))
    def position(self, obj):
        return f"x {obj.x:.2f}, y {obj.y:.2f}"

    @admin.display(description=_("published"), ordering="post__created_at")
    def posted_at(self, obj):
        return obj.post.created_at

    @admin.display(description=_("on the site"))
    def on_site(self, obj):
        return site_link(obj.post)

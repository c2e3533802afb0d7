"""The seller's campaign composer and segment builder. The forms only shape what was typed
into ``blocks`` and ``rules``; ``marketing.campaigns.services`` (and ``content`` and
``segments``) check them, as for the API."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from marketing.campaign_models import NAME_MAX, PREHEADER_MAX, SUBJECT_MAX
from marketing.campaigns import content, segments
from marketing.campaigns.selectors import composer_discount_codes, composer_products
from marketing.models import RFMGroup
from shop.money import format_money, to_minor

# The composer lays the blocks out in this order, each at most once (a campaign written
# through the API in another layout is shown, not edited here: see ``editable_layout``).
LAYOUT = ("text", "picture", "products", "discount", "button")


def editable_layout(blocks: list[dict]) -> bool:
    kinds = [block.get("type") for block in blocks]
    return len(kinds) == len(set(kinds)) and kinds == [kind for kind in LAYOUT if kind in kinds]


class CampaignForm(forms.Form):
    name = forms.CharField(
        label=_("Name (only you see it)"), max_length=NAME_MAX, required=False, help_text=_("Empty: the subject.")
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    preheader = forms.CharField(
        label=_("Preheader"),
        max_length=PREHEADER_MAX,
        required=False,
        help_text=_("The line mail apps show after the subject."),
    )
    segment = forms.ModelChoiceField(
        label=_("Send to"), queryset=None, required=False, empty_label=_("Everyone who agreed to your emails")
    )
    text = forms.CharField(
        label=_("Text"),
        max_length=content.TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Leave an empty line between paragraphs."),
    )
    picture_url = forms.CharField(
        label=_("Picture address"), max_length=content.URL_MAX, required=False, help_text=_("https://…")
    )
    picture_alt = forms.CharField(label=_("Picture description"), max_length=content.LABEL_MAX * 2, required=False)
    products = forms.MultipleChoiceField(
        label=_("Product cards"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Prices are read from your catalogue when each email is sent."),
    )
    discount = forms.ModelChoiceField(
        label=_("Discount code"), queryset=None, required=False, to_field_name="code", empty_label=_("None")
    )
    button_label = forms.CharField(label=_("Button text"), max_length=content.LABEL_MAX, required=False)
    button_url = forms.CharField(
        label=_("Button address"), max_length=content.URL_MAX, required=False, help_text=_("https://…")
    )

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store
        self.fields["segment"].queryset = segments.store_segments(store)
        self.fields["discount"].queryset = composer_discount_codes(store=store)
        self.fields["products"].choices = [
            (
                str(product.pk),
                f"{product.title} · {format_money(product.from_price)}"
                if product.from_price is not None
                else product.title,
            )
            for product in composer_products(store=store)
        ]

    @staticmethod
    def initial_for(campaign) -> dict:
        initial = {
            "name": campaign.name,
            "subject": campaign.subject,
            "preheader": campaign.preheader,
            "segment": campaign.segment_id,
        }
        for block in campaign.blocks:
            kind = block.get("type")
            if kind == "text":
                initial["text"] = block["text"]
            elif kind == "picture":
                initial.update(picture_url=block["url"], picture_alt=block.get("alt", ""))
            elif kind == "products":
                initial["products"] = [str(pk) for pk in block["products"]]
            elif kind == "discount":
                initial["discount"] = block["code"]
            elif kind == "button":
                initial.update(button_label=block["label"], button_url=block["url"])
        return initial

    def blocks(self) -> list[dict]:
        data = self.cleaned_data
        blocks: list[dict] = []
        if data["text"].strip():
            blocks.append({"type": "text", "text": data["text"]})
        if data["picture_url"]:
            blocks.append({"type": "picture", "url": data["picture_url"], "alt": data["picture_alt"]})
        if data["products"]:
            blocks.append({"type": "products", "products": [int(pk) for pk in data["products"]]})
        if data["discount"] is not None:
            blocks.append({"type": "discount", "code": data["discount"].code})
        if data["button_label"] or data["button_url"]:
            blocks.append({"type": "button", "label": data["button_label"], "url": data["button_url"]})
        return blocks

    def campaign_data(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "subject": data["subject"],
            "preheader": data["preheader"],
            "segment": data["segment"],
            "blocks": self.blocks(),
        }


class SegmentForm(forms.Form):
    """A segment built from the rule kinds: every field filled in is one rule, all must hold."""

    name = forms.CharField(label=_("Name"), max_length=NAME_MAX, required=False)
    follows_never_bought = forms.BooleanField(label=segments.RULE_KINDS["follows_never_bought"], required=False)
    chatted_never_bought = forms.BooleanField(label=segments.RULE_KINDS["chatted_never_bought"], required=False)
    bought_product = forms.TypedChoiceField(
        label=segments.RULE_KINDS["bought_product"], required=False, coerce=int, empty_value=None
    )
    bought_category = forms.TypedChoiceField(
        label=segments.RULE_KINDS["bought_category"], required=False, coerce=int, empty_value=None
    )
    spent_over = forms.IntegerField(
        label=segments.RULE_KINDS["spent_over"],
        required=False,
        min_value=0,
        max_value=segments.MAX_AMOUNT // 100,
        help_text=_("A whole amount in your shop's currency."),
    )
    no_order_for_days = forms.IntegerField(
        label=segments.RULE_KINDS["no_order_for_days"], required=False, min_value=1, max_value=segments.MAX_DAYS
    )
    group = forms.ChoiceField(label=segments.RULE_KINDS["group"], required=False)
    tag = forms.TypedChoiceField(label=segments.RULE_KINDS["tag"], required=False, coerce=int, empty_value=None)
    language = forms.ChoiceField(
        label=segments.RULE_KINDS["language"],
        required=False,
        choices=[("", _("Any")), ("id", "Bahasa Indonesia"), ("en", "English")],
    )

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        from catalog.models import Category
        from marketing.selectors import store_tags

        anything = [("", _("Any"))]
        products = composer_products(store=store)
        self.fields["bought_product"].choices = anything + [(product.pk, product.title) for product in products]
        categories = Category.objects.filter(products__store=store).distinct().order_by("name")
        self.fields["bought_category"].choices = anything + [(category.pk, category.name) for category in categories]
        self.fields["group"].choices = anything + [choice for choice in RFMGroup.choices if choice[0]]
        self.fields["tag"].choices = anything + [(tag.pk, tag.name) for tag in store_tags(store=store)]

    def rules(self) -> list[dict]:
        data = self.cleaned_data
        rules: list[dict] = []
        for kind in ("follows_never_bought", "chatted_never_bought"):
            if data[kind]:
                rules.append({"kind": kind})
        if data["bought_product"] is not None:
            rules.append({"kind": "bought_product", "product": data["bought_product"]})
        if data["bought_category"] is not None:
            rules.append({"kind": "bought_category", "category": data["bought_category"]})
        if data["spent_over"] is not None:
            rules.append({"kind": "spent_over", "amount": to_minor(data["spent_over"])})
        if data["no_order_for_days"] is not None:
            rules.append({"kind": "no_order_for_days", "days": data["no_order_for_days"]})
        if data["group"]:
            rules.append({"kind": "group", "group": data["group"]})
        if data["tag"] is not None:
            rules.append({"kind": "tag", "tag": data["tag"]})
        if data["language"]:
            rules.append({"kind": "language", "language": data["language"]})
        return rules

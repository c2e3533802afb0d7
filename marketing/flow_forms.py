"""The seller's flow forms: a flow's settings, a step (its wait, subject, preheader and its
blocks, in any order, edited in place, added, moved and removed without JavaScript), and a
product's usage tips. The forms only shape what was typed; ``marketing.flows.services`` (and
the campaign's ``content``) check it, as for the API.

The step form's blocks are laid out by a hidden ``layout`` field (the kinds in order): each
block's inputs are named ``b<index>-<name>``. "Add", "Move up" and "Remove" buttons post the
form with ``edit`` (``add:text``, ``up:2``, ``remove:2``): the page comes back with the
layout changed and what was typed kept, and nothing is saved until "Save"."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from marketing.campaign_models import PREHEADER_MAX, SUBJECT_MAX
from marketing.campaigns import content
from marketing.campaigns.selectors import composer_discount_codes, composer_products
from marketing.flow_models import TIPS_MAX, Flow, FlowStep
from marketing.flows import services
from shop.money import format_money

# The kinds a step's block can be, with what the seller reads.
BLOCK_KINDS = {
    "text": _("Text"),
    "picture": _("Picture"),
    "products": _("Product cards"),
    "discount": _("Discount code"),
    "button": _("Button"),
    "trigger_products": _("The products of the trigger"),
    "tips": _("Your usage tips for them"),
    "also_like": _("You may also like"),
}
AUTOMATIC_HELP = {
    "trigger_products": _("Filled when the email is sent: the delivered order's, the cart's or the viewed products."),
    "tips": _("Filled when the email is sent with the usage tips you wrote for those products."),
    "also_like": _("Filled when the email is sent with up to four of your products that go with them."),
}


class FlowSettingsForm(forms.Form):
    inactive_days = forms.IntegerField(
        label=_("Days without an order"),
        min_value=1,
        max_value=services.MAX_DAYS,
        help_text=_("Customers whose last order is this old get the win-back emails."),
    )
    cooldown_days = forms.IntegerField(
        label=_("Re-entry cooldown (days)"),
        min_value=1,
        max_value=services.MAX_DAYS,
        help_text=_("Someone who went through this flow does not enter it again for this many days."),
    )

    def __init__(self, *args, flow: Flow, **kwargs):
        super().__init__(*args, **kwargs)
        if flow.kind != Flow.Kind.WIN_BACK:
            del self.fields["inactive_days"]


def layout_of(blocks: list[dict]) -> list[str]:
    return [block.get("type") for block in blocks if isinstance(block, dict) and block.get("type") in BLOCK_KINDS]


class StepForm(forms.Form):
    delay_hours = forms.IntegerField(
        label=_("Wait (hours)"),
        min_value=0,
        max_value=services.MAX_DELAY_HOURS,
        help_text=_("For the first email: after the trigger. For the others: after the email before. 0: at once."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    preheader = forms.CharField(
        label=_("Preheader"),
        max_length=PREHEADER_MAX,
        required=False,
        help_text=_("The line mail apps show after the subject."),
    )
    layout = forms.CharField(widget=forms.HiddenInput, required=False, max_length=400)

    def __init__(self, *args, store, layout: list[str], block_initial: list[dict] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store
        self.kinds = list(layout)[: content.MAX_BLOCKS]
        self.fields["layout"].initial = ",".join(self.kinds)
        self._products = None
        self._codes = None
        for index, kind in enumerate(self.kinds):
            values = (block_initial or [])[index] if block_initial and index < len(block_initial) else {}
            for name, field in self._block_fields(kind).items():
                key = f"b{index}-{name}"
                self.fields[key] = field
                if name in values:
                    self.initial[key] = values[name]

    # --- the blocks' fields -------------------------------------------------------------------

    def product_choices(self) -> list[tuple[str, str]]:
        if self._products is None:
            self._products = [
                (
                    str(product.pk),
                    f"{product.title} · {format_money(product.from_price)}"
                    if product.from_price is not None
                    else product.title,
                )
                for product in composer_products(store=self.store)
            ]
        return self._products

    def code_choices(self) -> list[tuple[str, str]]:
        if self._codes is None:
            self._codes = [(code.code, code.code) for code in composer_discount_codes(store=self.store)]
        return self._codes

    def _block_fields(self, kind: str) -> dict[str, forms.Field]:
        if kind == "text":
            return {
                "text": forms.CharField(
                    label=_("Text"),
                    max_length=content.TEXT_MAX,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    help_text=_("Leave an empty line between paragraphs."),
                )
            }
        if kind == "picture":
            return {
                "url": forms.CharField(label=_("Picture address"), max_length=content.URL_MAX, help_text="https://…"),
                "alt": forms.CharField(
                    label=_("Picture description"), max_length=content.LABEL_MAX * 2, required=False
                ),
            }
        if kind == "products":
            return {
                "products": forms.MultipleChoiceField(
                    label=_("Product cards"),
                    choices=self.product_choices(),
                    widget=forms.CheckboxSelectMultiple,
                    help_text=_("Prices are read from your catalogue when each email is sent."),
                )
            }
        if kind == "discount":
            return {"code": forms.ChoiceField(label=_("Discount code"), choices=self.code_choices())}
        if kind == "button":
            return {
                "label": forms.CharField(label=_("Button text"), max_length=content.LABEL_MAX),
                "url": forms.CharField(label=_("Button address"), max_length=content.URL_MAX, help_text="https://…"),
            }
        return {}

    @staticmethod
    def initial_for(step: FlowStep) -> tuple[dict, list[str], list[dict]]:
        """``(initial, layout, block values)`` of a saved step."""
        values: list[dict] = []
        for block in step.blocks:
            kind = block.get("type")
            if kind == "products":
                values.append({"products": [str(pk) for pk in block.get("products", [])]})
            elif kind in BLOCK_KINDS:
                values.append({key: value for key, value in block.items() if key != "type"})
        initial = {"delay_hours": step.delay_hours, "subject": step.subject, "preheader": step.preheader}
        return initial, layout_of(step.blocks), values

    def raw_blocks(self) -> list[dict]:
        """What was typed into each block, unchecked (to lay the form out again)."""
        out: list[dict] = []
        for index, kind in enumerate(self.kinds):
            values: dict = {}
            for name, field in self._block_fields(kind).items():
                key = self.add_prefix(f"b{index}-{name}")
                if isinstance(field, forms.MultipleChoiceField):
                    values[name] = self.data.getlist(key) if hasattr(self.data, "getlist") else self.data.get(key, [])
                else:
                    values[name] = self.data.get(key, "")
            out.append(values)
        return out

    def block_rows(self) -> list[dict]:
        """For the template: each block's number, kind, label, help and bound fields."""
        return [
            {
                "index": index,
                "kind": kind,
                "label": BLOCK_KINDS[kind],
                "help": AUTOMATIC_HELP.get(kind, ""),
                "fields": [self[f"b{index}-{name}"] for name in self._block_fields(kind)],
                "first": index == 0,
                "last": index == len(self.kinds) - 1,
            }
            for index, kind in enumerate(self.kinds)
        ]

    def blocks(self) -> list[dict]:
        data = self.cleaned_data
        blocks: list[dict] = []
        for index, kind in enumerate(self.kinds):

            def get(name: str, index: int = index) -> object:
                return data.get(f"b{index}-{name}")

            if kind == "text":
                blocks.append({"type": kind, "text": get("text")})
            elif kind == "picture":
                blocks.append({"type": kind, "url": get("url"), "alt": get("alt") or ""})
            elif kind == "products":
                blocks.append({"type": kind, "products": [int(pk) for pk in get("products")]})
            elif kind == "discount":
                blocks.append({"type": kind, "code": get("code")})
            elif kind == "button":
                blocks.append({"type": kind, "label": get("label"), "url": get("url")})
            else:
                blocks.append({"type": kind})
        return blocks

    def step_data(self) -> dict:
        data = self.cleaned_data
        return {
            "delay_hours": data["delay_hours"],
            "subject": data["subject"],
            "preheader": data["preheader"],
            "blocks": self.blocks(),
        }


def parse_layout(value: str) -> list[str] | None:
    """The kinds of a posted ``layout``, or None when it is not one."""
    kinds = [kind for kind in str(value or "").split(",") if kind]
    if len(kinds) > content.MAX_BLOCKS or any(kind not in BLOCK_KINDS for kind in kinds):
        return None
    return kinds


def edit_layout(kinds: list[str], values: list[dict], edit: str) -> tuple[list[str], list[dict]] | None:
    """The layout and block values after an ``edit`` button (``add:<kind>``, ``up:<n>``,
    ``down:<n>``, ``remove:<n>``), or None when it is not one."""
    action, _colon, argument = str(edit).partition(":")
    kinds, values = list(kinds), list(values)
    if action == "add":
        if argument not in BLOCK_KINDS or len(kinds) >= content.MAX_BLOCKS:
            return None
        return [*kinds, argument], [*values, {}]
    if not argument.isdigit() or int(argument) >= len(kinds):
        return None
    index = int(argument)
    if action == "remove":
        del kinds[index], values[index]
    elif action in ("up", "down"):
        other = index - 1 if action == "up" else index + 1
        if not 0 <= other < len(kinds):
            return kinds, values
        kinds[index], kinds[other] = kinds[other], kinds[index]
        values[index], values[other] = values[other], values[index]
    else:
        return None
    return kinds, values


class TipsForm(forms.Form):
    text = forms.CharField(
        label=_("Usage tips"),
        max_length=TIPS_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Plain text: how to use it, care, how to store it. Empty: no tips for this product."),
    )

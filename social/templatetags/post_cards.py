"""Post cards from the cache (see ``social.cards``).

``{% post_cards posts %}`` renders a page of post cards, each from the cache when it is there.
``{% card_slot "like" %}...{% end_card_slot %}`` marks a part of the card template that depends
on the viewer (or, for ``"ago"``, on the time): rendered as usual on its own, and in every
state when the card is being cached.
"""

from __future__ import annotations

from django import template

from shop import page_stencil
from social import cards

register = template.Library()


class CardSlotNode(template.Node):
    def __init__(self, name: str, nodelist):
        self.name = name
        self.nodelist = nodelist

    def render(self, context) -> str:
        stencil = context.get("card_stencil")
        if stencil is None:
            return self.nodelist.render(context)
        return cards.render_slot(self.name, self.nodelist, context, stencil)


@register.tag("card_slot")
def card_slot(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% card_slot %} takes one slot name")
    name = bits[1].strip("\"'")
    if name not in cards.STATE_SLOTS and name not in cards.LIVE_SLOTS:
        raise template.TemplateSyntaxError(f"unknown card slot {name!r}")
    nodelist = parser.parse(("end_card_slot",))
    parser.delete_first_token()
    return CardSlotNode(name, nodelist)


# The cards' hole in a page kept whole by shop.page_stencil.
CARDS_SLOT = "post_cards"


@register.simple_tag(takes_context=True)
def post_cards(context, posts):
    if page_stencil.is_stencil(context):
        return page_stencil.slot(CARDS_SLOT)
    return cards.render_cards(
        posts,
        viewer=context.get("user"),
        csrf_token=context.get("csrf_token", ""),
        back_url=context.get("back_url", ""),
    )

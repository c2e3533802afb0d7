"""``{% post_cards posts %}``: a page of post cards from their stencils (``social.cards``).
In a page's own stencil (``shop.stencil``) the cards are the hole ``post_cards``."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.context import Context
from django.utils.safestring import SafeString

from shop import stencil
from social import cards

register = template.Library()

CARDS_HOLE = "post_cards"


@register.simple_tag(takes_context=True)
def post_cards(context: Context, posts: Any) -> SafeString:
    if stencil.is_stencil(context):
        return stencil.hole(CARDS_HOLE)
    return cards.render_cards(
        posts,
        viewer=context.get("user"),
        csrf_token=context.get("csrf_token", ""),
        back_url=context.get("back_url", ""),
    )

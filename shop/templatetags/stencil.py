"""``{% hole "name" %}...{% endhole %}``: a part of a template that a stencil leaves as a hole
(``shop.stencil``). Rendered as usual on a normal render; while a stencil is rendered, the
hole ``name``, and, for a block its ``Rendering`` names a state, its content in each state.
``{% hole "name" key %}`` (``key`` a template expression, say ``review.pk``) is the hole
``name_<key>``: one of a list's items, each filled on its own."""

from __future__ import annotations

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context
from django.utils.safestring import SafeString

from shop.stencil import RENDERING

register = template.Library()


class HoleNode(template.Node):
    def __init__(self, name: str, key: FilterExpression | None, nodelist: NodeList) -> None:
        self.name = name
        self.key = key
        self.nodelist = nodelist

    def render(self, context: Context) -> SafeString | str:
        rendering = context.get(RENDERING)
        if rendering is None:
            return self.nodelist.render(context)
        key = None if self.key is None else self.key.resolve(context)
        return rendering.block(self.name, self.nodelist.render, context, key)


@register.tag("hole")
def hole(parser: Parser, token: Token) -> HoleNode:
    bits = token.split_contents()
    if len(bits) not in (2, 3) or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(
            '{% hole %} takes a quoted name and maybe a key: {% hole "like" %}, {% hole "helpful" review.pk %}'
        )
    key = parser.compile_filter(bits[2]) if len(bits) == 3 else None
    nodelist = parser.parse(("endhole",))
    parser.delete_first_token()
    return HoleNode(bits[1][1:-1], key, nodelist)

from django import template

from shop import slots

register = template.Library()


@register.simple_tag(takes_context=True)
def slot(context, name, **kwargs):
    """``{% slot "product_page" product=product %}``: whatever higher layers registered there."""
    return slots.render(name, context.get("request"), **kwargs)

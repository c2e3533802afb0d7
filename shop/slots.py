"""Named places in a lower layer's templates that a higher layer fills.

Catalog pages must not import social, yet a product page shows the posts that tag the
product. The lower layer's template names the place (``{% slot "product_page" product=product %}``);
the higher layer registers what goes there in its ``AppConfig.ready()``:

    slots.register("product_page", render_seen_in_posts)

A renderer takes the request and the slot's keyword arguments and returns HTML (already
escaped: render a template). Nothing registered renders nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

Renderer = Callable[..., str]
_registry: dict[str, list[Renderer]] = {}


def register(name: str, renderer: Renderer) -> None:
    renderers = _registry.setdefault(name, [])
    if renderer not in renderers:
        renderers.append(renderer)


def render(name: str, request, **kwargs) -> SafeString:
    # Renderers return rendered templates (autoescaped), so joining them is safe.
    return mark_safe("".join(str(renderer(request, **kwargs)) for renderer in _registry.get(name, [])))

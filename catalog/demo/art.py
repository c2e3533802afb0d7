"""Product illustrations and store logos for the demo shop, drawn with Pillow.

Nothing is downloaded: every picture is a gradient, a simple shape that suggests the
product (a batik shirt, a coffee pouch, a dropper bottle, a chip bag, a sneaker...)
and the product's name. Shapes are drawn at twice the final size and scaled down,
which gives smooth edges for the price of one cheap ``reduce(2)``. Everything is
deterministic: the only randomness comes from a ``random.Random`` seeded by the caller.
"""

from __future__ import annotations

import io
import math
import random

from PIL import Image, ImageDraw, ImageOps

from catalog.demo.canvas import (
    LOGO_SIZE,
    SIZE,
    SUPERSAMPLE,
    WORK,
    Colour,
    Palette,
    Pen,
    fit_lines,
    font,
    gradient,
    lighter,
    mix,
    pattern_tile,
    tiled,
)
from catalog.demo.shapes import DRAWERS, PATTERNED, bean, leaf


def _caption(image: Image.Image, title: str, subtitle: str, ink: Colour, tag: str) -> None:
    """The product name on a light band at the bottom, the store name as a tag at the top."""
    draw = ImageDraw.Draw(image, "RGBA")
    face, lines = fit_lines(draw, title, "bold", SIZE - 120, (44, 40, 36, 32, 28, 24))
    line_height = face.size + 8
    band_height = 40 + line_height * len(lines) + (34 if subtitle else 0)
    top = SIZE - 28 - band_height
    draw.rounded_rectangle((28, top, SIZE - 28, SIZE - 28), radius=26, fill=(255, 255, 255, 228))
    y = top + 20
    for line in lines:
        draw.text((60, y), line, font=face, fill=ink)
        y += line_height
    if subtitle:
        draw.text((60, y + 2), subtitle, font=font("regular", 24), fill=mix(ink, (255, 255, 255), 0.35))
    if tag:
        tag_face = font("bold", 22)
        width = draw.textlength(tag, font=tag_face)
        draw.rounded_rectangle((28, 28, 28 + width + 36, 72), radius=22, fill=(*ink, 215))
        draw.text((46, 37), tag, font=tag_face, fill=(255, 255, 255))


def _encode_jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def product_picture(
    *,
    kind: str,
    palette: Palette,
    title: str,
    store: str,
    subtitle: str = "",
    view: int = 0,
    seed: str = "",
    options: dict | None = None,
) -> bytes:
    """An 800x800 JPEG illustration of a product.

    ``view`` 0 is the hero shot, 1 the same product in another colourway (mirrored,
    for variety), 2 a close-up: the batik motif for cloth, a crop of the product
    otherwise.
    """
    rng = random.Random(f"{seed}:{view}")
    options = options or {}
    pal = palette
    if view == 1:
        pal = Palette(
            top=lighter(palette.accent, 0.7),
            bottom=lighter(palette.accent, 0.35),
            main=palette.main,
            accent=palette.accent,
            ink=palette.ink,
        )
    canvas = gradient(WORK, pal.top, pal.bottom)
    # The product fills the upper three quarters; the caption takes the rest.
    pen = Pen(canvas, zoom=0.8, origin=(10, 3))
    glow = lighter(pal.top, 0.45)
    pen.ellipse((12, 6, 88, 82), fill=(*glow, 120))
    if view == 2 and kind in PATTERNED:
        canvas = tiled(pattern_tile(options.get("style", "parang"), palette, tile=WORK // 5), WORK)
    else:
        DRAWERS[kind](pen, pal, rng, **options)
    if view == 1:
        canvas = ImageOps.mirror(canvas)
    image = canvas.reduce(SUPERSAMPLE)
    if view == 2 and kind not in PATTERNED:
        box = (SIZE * 0.2, SIZE * 0.06, SIZE * 0.8, SIZE * 0.66)
        image = image.resize((SIZE, SIZE), Image.Resampling.BICUBIC, box=box)
    _caption(image, title, subtitle, pal.ink, store if view == 0 else "")
    return _encode_jpeg(image)


def store_logo(*, name: str, initials: str, palette: Palette, motif: str) -> bytes:
    """A round badge with the store's initials and a small motif, as a 400x400 JPEG."""
    work = LOGO_SIZE * SUPERSAMPLE
    canvas = gradient(work, lighter(palette.top, 0.2), palette.top)
    pen = Pen(canvas, scale=work / 100)
    pen.ellipse((8, 8, 92, 92), fill=palette.main, outline=palette.accent, width=2.2)
    pen.ellipse((14, 14, 86, 86), outline=lighter(palette.accent, 0.4), width=0.6)
    for i in range(24):
        angle = i / 24 * 2 * math.pi
        x, y = 50 + math.cos(angle) * 39, 50 + math.sin(angle) * 39
        pen.ellipse((x - 0.9, y - 0.9, x + 0.9, y + 0.9), fill=palette.accent)
    if motif == "bean":
        bean(pen, 50, 22, 5, -30, palette.accent)
    elif motif == "leaf":
        leaf(pen, 50, 22, 7, -20, palette.accent)
    elif motif == "chip":
        pen.ellipse((44, 18, 56, 26), fill=palette.accent)
    elif motif == "shoe":
        pen.poly([(40, 26), (40, 18), (46, 18), (51, 22), (59, 23.5), (60, 26)], fill=palette.accent)
    else:
        pen.poly([(50, 15), (56.5, 21.5), (50, 28), (43.5, 21.5)], fill=palette.accent)
        pen.ellipse((48.6, 20.1, 51.4, 22.9), fill=palette.main)
    image = canvas.reduce(SUPERSAMPLE)
    draw = ImageDraw.Draw(image)
    face = font("bold", 116 if len(initials) <= 2 else 92)
    draw.text((LOGO_SIZE / 2, LOGO_SIZE * 0.47), initials, font=face, fill=(255, 255, 255), anchor="mm")
    small, lines = fit_lines(draw, name.upper(), "bold", int(LOGO_SIZE * 0.56), (20, 18, 16))
    for i, line in enumerate(lines):
        y = LOGO_SIZE * ((0.72 if len(lines) == 1 else 0.69) + i * 0.065)
        draw.text((LOGO_SIZE / 2, y), line, font=small, fill=lighter(palette.accent, 0.5), anchor="mm")
    return _encode_jpeg(image)

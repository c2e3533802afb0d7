"""Drawing tools for the demo illustrations: palettes, fonts, a unit-square pen, batik motifs.

Coordinates given to ``Pen`` are in a 0-100 unit square, so the shapes do not depend
on the output size; ``pts("40,13 50,19")`` writes a polygon as compactly as SVG does.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

SIZE = 800
SUPERSAMPLE = 2
WORK = SIZE * SUPERSAMPLE
LOGO_SIZE = 400

FONT_FILES = {
    "bold": ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    "regular": ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
}

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Palette:
    top: Colour  # background gradient, top
    bottom: Colour  # background gradient, bottom
    main: Colour  # the product's own colour
    accent: Colour  # pattern, label, stripes
    ink: Colour  # outlines and text on the product


def hex_colour(value: str) -> Colour:
    value = value.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def mix(a: Colour, b: Colour, t: float) -> Colour:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def darker(colour: Colour, t: float = 0.35) -> Colour:
    return mix(colour, (0, 0, 0), t)


def lighter(colour: Colour, t: float = 0.35) -> Colour:
    return mix(colour, (255, 255, 255), t)


# --- Fonts -------------------------------------------------------------------------

_fonts = threading.local()  # FreeType faces are not safe to share between threads.


def font(weight: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    cache = getattr(_fonts, "cache", None)
    if cache is None:
        cache = _fonts.cache = {}
    key = (weight, size)
    if key not in cache:
        loaded = None
        for candidate in FONT_FILES[weight]:
            try:
                loaded = ImageFont.truetype(candidate, size)
                break
            except OSError:
                continue
        cache[key] = loaded or ImageFont.load_default(size=size)
    return cache[key]


def _text_width(draw: ImageDraw.ImageDraw, text: str, face) -> float:
    return draw.textlength(text, font=face)


def fit_lines(draw: ImageDraw.ImageDraw, text: str, weight: str, max_width: int, sizes: tuple[int, ...]):
    """The largest font size at which ``text`` fits ``max_width`` in at most two lines."""
    words = text.split()
    for size in sizes:
        face = font(weight, size)
        lines: list[str] = []
        current = ""
        for word in words:
            trial = f"{current} {word}".strip()
            if _text_width(draw, trial, face) <= max_width:
                current = trial
            else:
                if current:
                    lines.append(current)
                current = word
        if current:
            lines.append(current)
        if len(lines) <= 2 and all(_text_width(draw, line, face) <= max_width for line in lines):
            return face, lines
    face = font(weight, sizes[-1])
    return face, [text[:40] + "…"]


# --- Drawing helpers -----------------------------------------------------------------


class Pen:
    """ImageDraw on the supersampled canvas, taking coordinates in 0-100 units.

    ``zoom`` and ``origin`` place the 0-100 drawing inside the canvas, so a product
    can be drawn smaller to leave room for its caption.
    """

    def __init__(self, image: Image.Image, scale: float = WORK / 100, zoom: float = 1.0, origin=(0.0, 0.0)):
        self.image = image
        self.draw = ImageDraw.Draw(image, "RGBA")
        self.k = scale
        self.zoom = zoom
        self.origin = origin

    def xy(self, points) -> list[tuple[float, float]]:
        (ox, oy), z, k = self.origin, self.zoom, self.k
        return [((x * z + ox) * k, (y * z + oy) * k) for x, y in points]

    def p(self, *values: float) -> list[float]:
        flat: list[float] = []
        for x, y in self.xy(zip(values[::2], values[1::2], strict=True)):
            flat += [x, y]
        return flat

    def w(self, units: float) -> int:
        return max(1, round(units * self.k * self.zoom))

    def poly(self, points, fill=None, outline=None, width: float = 0.6):
        flat = self.xy(points)
        self.draw.polygon(flat, fill=fill)
        if outline:
            self.draw.line([*flat, flat[0]], fill=outline, width=self.w(width), joint="curve")

    def rrect(self, box, radius: float, fill=None, outline=None, width: float = 0.6):
        self.draw.rounded_rectangle(
            self.p(*box), radius=self.w(radius), fill=fill, outline=outline, width=self.w(width) if outline else 0
        )

    def ellipse(self, box, fill=None, outline=None, width: float = 0.6):
        self.draw.ellipse(self.p(*box), fill=fill, outline=outline, width=self.w(width) if outline else 0)

    def line(self, points, fill, width: float = 0.6):
        self.draw.line(self.xy(points), fill=fill, width=self.w(width), joint="curve")

    def shadow(self, cx: float, cy: float, rx: float, ry: float, alpha: int = 45):
        self.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=(0, 0, 0, alpha))


def pts(text: str) -> list[tuple[float, float]]:
    """``"40,13 50,19"`` -> ``[(40.0, 13.0), (50.0, 19.0)]``."""
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in text.split())]


def curve(points: list[tuple[float, float]], steps: int = 12) -> list[tuple[float, float]]:
    """A smooth path through ``points`` (Catmull-Rom), for shoe uppers and pouches."""
    result = []
    padded = [points[0], *points, points[-1]]
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1], padded[i], padded[i + 1], padded[i + 2]
        for step in range(steps):
            t = step / steps
            t2, t3 = t * t, t * t * t
            result.append(
                tuple(
                    0.5
                    * (
                        2 * p1[j]
                        + (-p0[j] + p2[j]) * t
                        + (2 * p0[j] - 5 * p1[j] + 4 * p2[j] - p3[j]) * t2
                        + (-p0[j] + 3 * p1[j] - 3 * p2[j] + p3[j]) * t3
                    )
                    for j in (0, 1)
                )
            )
    result.append(points[-1])
    return result


def gradient(size: int, top: Colour, bottom: Colour) -> Image.Image:
    """A vertical gradient: one column of colours, stretched sideways (far cheaper than compositing)."""
    ramp = Image.linear_gradient("L").crop((0, 0, 1, 256))
    bands = [ramp.point([round(a + (b - a) * v / 255) for v in range(256)]) for a, b in zip(top, bottom, strict=True)]
    column = Image.merge("RGB", bands).resize((1, size), Image.Resampling.BILINEAR)
    return column.resize((size, size), Image.Resampling.NEAREST)


# --- Batik patterns --------------------------------------------------------------------


def pattern_tile(style: str, palette: Palette, tile: int = 160) -> Image.Image:
    """One repeat of a batik-like motif; tiled over a garment or cloth."""
    ground, motif, detail = palette.main, palette.accent, lighter(palette.accent, 0.55)
    image = Image.new("RGB", (tile, tile), ground)
    d = ImageDraw.Draw(image)
    t = tile
    if style == "parang":
        for offset in (-t, 0, t):
            d.line([(offset, t), (offset + t, 0)], fill=motif, width=t // 6)
            d.line([(offset + t // 2, t), (offset + t + t // 2, 0)], fill=detail, width=t // 20)
        for x, y in ((t * 0.25, t * 0.25), (t * 0.75, t * 0.75)):
            d.ellipse((x - t * 0.07, y - t * 0.07, x + t * 0.07, y + t * 0.07), fill=detail)
    elif style == "kawung":
        c = t / 2
        r = t * 0.2
        for dx, dy in ((0, -1), (0, 1), (-1, 0), (1, 0)):
            x, y = c + dx * r, c + dy * r
            box = (x - r * 0.55, y - r, x + r * 0.55, y + r) if dx == 0 else (x - r, y - r * 0.55, x + r, y + r * 0.55)
            d.ellipse(box, fill=motif, outline=detail, width=max(2, t // 40))
        d.ellipse((c - t * 0.05, c - t * 0.05, c + t * 0.05, c + t * 0.05), fill=detail)
        for corner in ((0, 0), (t, 0), (0, t), (t, t)):
            d.ellipse(
                (corner[0] - t * 0.08, corner[1] - t * 0.08, corner[0] + t * 0.08, corner[1] + t * 0.08), fill=detail
            )
    elif style == "truntum":
        for cx, cy in ((t * 0.25, t * 0.25), (t * 0.75, t * 0.75)):
            for petal in range(8):
                angle = petal * math.pi / 4
                px, py = cx + math.cos(angle) * t * 0.09, cy + math.sin(angle) * t * 0.09
                d.ellipse((px - t * 0.04, py - t * 0.04, px + t * 0.04, py + t * 0.04), fill=detail)
            d.ellipse((cx - t * 0.05, cy - t * 0.05, cx + t * 0.05, cy + t * 0.05), fill=motif)
        for cx, cy in ((t * 0.75, t * 0.25), (t * 0.25, t * 0.75)):
            d.ellipse((cx - t * 0.03, cy - t * 0.03, cx + t * 0.03, cy + t * 0.03), fill=motif)
    elif style == "mega-mendung":
        for ring in range(5, 0, -1):
            r = t * 0.1 * ring
            colour = motif if ring % 2 else detail
            d.ellipse((t / 2 - r, t - r * 0.8, t / 2 + r, t + r * 0.8), fill=colour)
            d.ellipse((-r, t / 2 - r * 0.8, r, t / 2 + r * 0.8), fill=colour)
            d.ellipse((t - r, t / 2 - r * 0.8, t + r, t / 2 + r * 0.8), fill=colour)
    elif style == "lereng":
        for offset in range(-t, t, t // 4):
            d.line([(offset, t), (offset + t, 0)], fill=motif, width=t // 12)
        for offset in range(-t + t // 8, t, t // 4):
            d.line([(offset, t), (offset + t, 0)], fill=detail, width=max(2, t // 40))
    else:  # ceplok: diamonds on a grid
        c = t / 2
        d.polygon([(c, t * 0.12), (t * 0.88, c), (c, t * 0.88), (t * 0.12, c)], fill=motif)
        d.polygon([(c, t * 0.3), (t * 0.7, c), (c, t * 0.7), (t * 0.3, c)], fill=ground)
        d.ellipse((c - t * 0.08, c - t * 0.08, c + t * 0.08, c + t * 0.08), fill=detail)
        for corner in ((0, 0), (t, 0), (0, t), (t, t)):
            d.ellipse(
                (corner[0] - t * 0.06, corner[1] - t * 0.06, corner[0] + t * 0.06, corner[1] + t * 0.06), fill=detail
            )
    return image


def tiled(tile: Image.Image, width: int, height: int | None = None, offset=(0, 0)) -> Image.Image:
    """``tile`` repeated over a ``width`` x ``height`` image; ``offset`` keeps neighbouring fills in step."""
    height = height or width
    image = Image.new("RGB", (width, height))
    step = tile.width
    for x in range(-(offset[0] % step), width, step):
        for y in range(-(offset[1] % step), height, step):
            image.paste(tile, (x, y))
    return image


def fill_pattern(pen: Pen, points, palette: Palette, style: str, outline: Colour):
    """Fill a polygon with a batik pattern and outline it. Only the polygon's bounding box is tiled."""
    corners = pen.xy(points)
    left, top = int(min(x for x, _ in corners)), int(min(y for _, y in corners))
    right, bottom = int(max(x for x, _ in corners)) + 1, int(max(y for _, y in corners)) + 1
    mask = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(mask).polygon([(x - left, y - top) for x, y in corners], fill=255)
    tile = pattern_tile(style, palette, tile=int(pen.k * pen.zoom * 12))
    pen.image.paste(tiled(tile, right - left, bottom - top, offset=(left, top)), (left, top), mask=mask)
    pen.line([*points, points[0]], fill=outline, width=0.5)


# --- Products --------------------------------------------------------------------------

"""One drawing per kind of product, in the 0-100 unit square of ``canvas.Pen``."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from catalog.demo.canvas import Colour, Palette, Pen, curve, darker, fill_pattern, lighter, pts


def draw_shirt(pen: Pen, pal: Palette, rng: random.Random, style: str = "parang", **_):
    pen.shadow(50, 80, 28, 3)
    body = pts("40,13 50,19 60,13 73,17 88,37 79,43 71,34 71,78 29,78 29,34 21,43 12,37 27,17")
    fill_pattern(pen, body, pal, style, darker(pal.main, 0.5))
    collar = darker(pal.main, 0.25)
    pen.poly([(40, 13), (50, 19), (45, 26), (37, 16)], fill=collar, outline=darker(pal.main, 0.5), width=0.4)
    pen.poly([(60, 13), (50, 19), (55, 26), (63, 16)], fill=collar, outline=darker(pal.main, 0.5), width=0.4)
    pen.line([(50, 21), (50, 78)], fill=darker(pal.main, 0.45), width=0.5)
    for y in range(28, 76, 9):
        pen.ellipse((49, y, 51.2, y + 2.2), fill=lighter(pal.accent, 0.7))
    pen.poly([(33, 38), (42, 38), (42, 46), (33, 46)], fill=None, outline=darker(pal.main, 0.4), width=0.35)


def draw_dress(pen: Pen, pal: Palette, rng: random.Random, style: str = "kawung", **_):
    pen.shadow(50, 82, 30, 3)
    dress = [(41, 12), (46, 17), (54, 17), (59, 12), (64, 16), (61, 40), (76, 80), (24, 80), (39, 40), (36, 16)]
    fill_pattern(pen, dress, pal, style, darker(pal.main, 0.5))
    pen.rrect((38.5, 38, 61.5, 42.5), 1, fill=darker(pal.accent, 0.2))
    pen.line([(32, 62), (50, 65), (68, 62)], fill=darker(pal.main, 0.3), width=0.3)


def draw_kain(pen: Pen, pal: Palette, rng: random.Random, style: str = "parang", **_):
    pen.shadow(50, 76, 36, 3)
    for i, offset in enumerate((8, 4, 0)):
        layer = [(x + offset, y + offset) for x, y in pts("16,30 80,24 84,66 20,72")]
        if i < 2:
            pen.poly(layer, fill=darker(pal.main, 0.15 + 0.1 * i), outline=darker(pal.main, 0.5), width=0.4)
        else:
            fill_pattern(pen, layer, pal, style, darker(pal.main, 0.5))
    pen.poly([(60, 26), (80, 24), (84, 66), (66, 58)], fill=(0, 0, 0, 40))
    pen.line([(60, 26), (66, 58), (84, 66)], fill=lighter(pal.accent, 0.5), width=0.35)
    for x in range(22, 86, 3):  # tassels along the bottom edge
        pen.line([(x, 72 - (x - 20) * 0.09), (x - 0.5, 76 - (x - 20) * 0.09)], fill=pal.accent, width=0.4)


def draw_scarf(pen: Pen, pal: Palette, rng: random.Random, style: str = "truntum", **_):
    pen.shadow(50, 80, 30, 3)
    band = [(22, 12), (40, 12), (66, 56), (74, 78), (56, 78), (48, 58)]
    fill_pattern(pen, band, pal, style, darker(pal.main, 0.5))
    loop = [(40, 12), (70, 14), (78, 30), (60, 40), (53, 30)]
    fill_pattern(pen, loop, pal, style, darker(pal.main, 0.5))
    pen.poly([(53, 30), (60, 40), (57, 44), (50, 34)], fill=(0, 0, 0, 50))
    for x in range(56, 75, 2):
        pen.line([(x, 78), (x - 0.4, 84)], fill=pal.accent, width=0.4)


def draw_tote(pen: Pen, pal: Palette, rng: random.Random, style: str = "ceplok", **_):
    pen.shadow(50, 82, 30, 3)
    pen.draw.arc(pen.p(34, 14, 50, 46), 180, 360, fill=darker(pal.accent, 0.3), width=pen.w(2.2))
    pen.draw.arc(pen.p(50, 14, 66, 46), 180, 360, fill=darker(pal.accent, 0.3), width=pen.w(2.2))
    body = [(24, 30), (76, 30), (80, 80), (20, 80)]
    fill_pattern(pen, body, pal, style, darker(pal.main, 0.5))
    pen.poly([(24, 30), (76, 30), (76.5, 36), (23.5, 36)], fill=darker(pal.accent, 0.2))


def draw_coffee_bag(pen: Pen, pal: Palette, rng: random.Random, **_):
    pen.shadow(50, 80, 30, 3)
    outline = darker(pal.main, 0.45)
    side_l = curve([(31, 24), (29, 50), (27, 78)], 6)
    side_r = curve([(73, 78), (71, 50), (69, 24)], 6)
    pen.poly([*side_l, (50, 79.5), *side_r], fill=pal.main, outline=outline)
    teeth = [(31 + i * 2, 15 if i % 2 else 17) for i in range(20)] + [(69, 17)]
    pen.poly([(31, 24), *teeth, (69, 24)], fill=darker(pal.main, 0.15), outline=outline, width=0.4)
    pen.line([(31, 22), (69, 22)], fill=darker(pal.main, 0.35), width=0.35)
    pen.rrect((36, 36, 64, 66), 2.5, fill=pal.accent)
    pen.rrect((38, 38, 62, 64), 2, outline=lighter(pal.accent, 0.6), width=0.35)
    bean(pen, 50, 47, 5, -25, pal.main)
    pen.rrect((41, 56, 59, 58), 1, fill=lighter(pal.accent, 0.6))
    pen.rrect((44, 60, 56, 61.5), 0.7, fill=lighter(pal.accent, 0.4))
    pen.ellipse((46.5, 27, 53.5, 34), fill=darker(pal.main, 0.25), outline=lighter(pal.main, 0.3), width=0.3)
    pen.poly([(33, 27), (35, 27), (33, 72), (31, 72)], fill=(255, 255, 255, 35))
    for _ in range(7):
        bean(pen, rng.uniform(18, 82), rng.uniform(78, 86), rng.uniform(2.4, 3.2), rng.uniform(0, 180), (96, 56, 33))


def placed(points, cx: float, cy: float, angle: float) -> list[tuple[float, float]]:
    """``points`` around the origin, turned by ``angle`` degrees and moved to ``(cx, cy)``."""
    a = math.radians(angle)
    cos, sin = math.cos(a), math.sin(a)
    return [(cx + x * cos - y * sin, cy + x * sin + y * cos) for x, y in points]


def bean(pen: Pen, cx: float, cy: float, r: float, angle: float, colour: Colour):
    outline = [(math.cos(t) * r * 0.72, math.sin(t) * r) for t in (i / 24 * 2 * math.pi for i in range(24))]
    pen.poly(placed(outline, cx, cy, angle), fill=colour, outline=darker(colour, 0.4), width=0.25)
    crease = [(math.sin(t * 2.2) * r * 0.18, t * r) for t in (-0.8 + i / 8 * 1.6 for i in range(9))]
    pen.line(placed(crease, cx, cy, angle), fill=darker(colour, 0.5), width=0.35)


def draw_drip_bags(pen: Pen, pal: Palette, rng: random.Random, **_):
    pen.shadow(50, 80, 32, 3)
    for i, (cx, angle) in enumerate(((34, -14), (66, 12), (50, 0))):
        colour = (pal.main, darker(pal.accent, 0.1), lighter(pal.main, 0.15))[i]
        pen.poly(placed(pts("-14,-20 14,-20 14,20 -14,20"), cx, 52, angle), fill=colour, outline=darker(colour, 0.45))
        pen.poly(placed(pts("-14,-20 14,-20 14,-13 -14,-13"), cx, 52, angle), fill=lighter(colour, 0.35))
        if i == 2:
            bean(pen, cx, 54, 5, 20, (96, 56, 33))
            pen.rrect((cx - 8, 64, cx + 8, 66), 1, fill=lighter(colour, 0.55))


def draw_dripper(pen: Pen, pal: Palette, rng: random.Random, **_):
    pen.shadow(50, 80, 26, 3)
    pen.poly([(28, 26), (72, 26), (58, 58), (42, 58)], fill=pal.main, outline=darker(pal.main, 0.4))
    for x in (38, 46, 54, 62):
        pen.line([(x, 30), (50 + (x - 50) * 0.4, 54)], fill=darker(pal.main, 0.15), width=0.5)
    pen.rrect((34, 57, 66, 62), 1.5, fill=darker(pal.main, 0.1), outline=darker(pal.main, 0.4))
    pen.rrect((36, 62, 64, 80), 3, fill=(255, 255, 255, 90), outline=darker(pal.accent, 0.2))
    pen.rrect((37.5, 70, 62.5, 78.5), 2, fill=(111, 64, 35, 220))
    pen.draw.arc(pen.p(62, 64, 72, 76), 270, 90, fill=darker(pal.accent, 0.2), width=pen.w(1.2))


def draw_bottle(pen: Pen, pal: Palette, rng: random.Random, liquid: Colour | None = None, **_):
    """A glass bottle with a cap (cold brew, jamu, toner, shoe cleaner)."""
    pen.shadow(50, 81, 18, 2.5)
    glass = lighter(pal.main, 0.55)
    shape = [(44, 16), (56, 16), (56, 26), (63, 34), (63, 78), (37, 78), (37, 34), (44, 26)]
    pen.poly(shape, fill=(*glass, 220), outline=darker(pal.main, 0.35))
    fill = liquid or pal.main
    pen.poly([(38, 40), (62, 40), (62, 77), (38, 77)], fill=fill)
    pen.rrect((43, 9, 57, 17), 1.2, fill=darker(pal.accent, 0.2), outline=darker(pal.accent, 0.5), width=0.3)
    pen.rrect((39, 48, 61, 68), 1.5, fill=(250, 246, 236), outline=darker(pal.accent, 0.2), width=0.4)
    pen.rrect((39, 48, 61, 53), 1.5, fill=pal.accent)
    pen.rrect((43, 57, 57, 59), 0.8, fill=darker(pal.accent, 0.1))
    pen.rrect((45, 61.5, 55, 63), 0.6, fill=lighter(pal.accent, 0.3))
    pen.poly([(39.5, 36), (41.5, 36), (41.5, 75), (39.5, 75)], fill=(255, 255, 255, 80))


def draw_serum(pen: Pen, pal: Palette, rng: random.Random, **_):
    pen.shadow(50, 81, 17, 2.5)
    pen.rrect((37, 36, 63, 78), 4, fill=pal.main, outline=darker(pal.main, 0.4))
    pen.rrect((44, 29, 56, 37), 1, fill=darker(pal.main, 0.15))
    pen.rrect((41.5, 24, 58.5, 31), 1, fill=(201, 162, 94), outline=(140, 105, 50), width=0.3)
    pen.rrect((44.5, 8, 55.5, 25), 5, fill=(38, 34, 36))
    pen.rrect((39.5, 46, 60.5, 68), 1.5, fill=(252, 249, 244))
    pen.rrect((39.5, 46, 60.5, 50), 1.5, fill=pal.accent)
    pen.rrect((43, 55, 57, 57), 0.8, fill=darker(pal.accent, 0.2))
    pen.rrect((45, 59.5, 55, 61), 0.6, fill=lighter(pal.accent, 0.3))
    pen.poly([(39.5, 39), (41.5, 39), (41.5, 75), (39.5, 75)], fill=(255, 255, 255, 70))
    for _ in range(5):
        x, y, r = rng.uniform(18, 30), rng.uniform(55, 80), rng.uniform(1.5, 3)
        pen.ellipse((x - r, y - r, x + r, y + r), fill=(*lighter(pal.accent, 0.4), 180))
    leaf(pen, 74, 70, 7, -30, (92, 140, 80))
    leaf(pen, 79, 74, 5, 25, (120, 165, 95))


def leaf(pen: Pen, cx: float, cy: float, r: float, angle: float, colour: Colour):
    angles = [i / 20 * 2 * math.pi for i in range(20)]
    outline = [(math.cos(t) * r, math.sin(t) * r * 0.42 * (1 - 0.3 * math.cos(t))) for t in angles]
    pen.poly(placed(outline, cx, cy, angle), fill=colour)
    pen.line(placed([(-r, 0), (r, 0)], cx, cy, angle), fill=darker(colour, 0.3), width=0.3)


def draw_jar(pen: Pen, pal: Palette, rng: random.Random, **_):
    """A wide jar with a lid (masker, lulur, sambal)."""
    pen.shadow(50, 79, 24, 3)
    pen.rrect((29, 40, 71, 77), 5, fill=pal.main, outline=darker(pal.main, 0.4))
    pen.rrect((27, 30, 73, 42), 3, fill=pal.accent, outline=darker(pal.accent, 0.4))
    for x in range(30, 72, 3):
        pen.line([(x, 32), (x, 40)], fill=darker(pal.accent, 0.15), width=0.35)
    pen.rrect((33, 49, 67, 69), 1.5, fill=(252, 249, 244))
    pen.ellipse((45, 51.5, 55, 61.5), fill=lighter(pal.accent, 0.2))
    pen.rrect((40, 64, 60, 66), 0.8, fill=darker(pal.accent, 0.1))
    pen.poly([(31, 44), (33, 44), (33, 74), (31, 74)], fill=(255, 255, 255, 60))


def draw_soap(pen: Pen, pal: Palette, rng: random.Random, **_):
    pen.shadow(50, 74, 30, 3)
    pen.rrect((20, 40, 80, 70), 8, fill=darker(pal.main, 0.15))
    pen.rrect((20, 36, 80, 66), 8, fill=pal.main, outline=darker(pal.main, 0.35))
    pen.rrect((30, 43, 70, 59), 5, outline=darker(pal.main, 0.2), width=0.8)
    pen.poly([(42, 36), (58, 36), (58, 66), (42, 66)], fill=pal.accent)
    pen.line([(42, 36), (42, 66)], fill=darker(pal.accent, 0.3), width=0.3)
    pen.line([(58, 36), (58, 66)], fill=darker(pal.accent, 0.3), width=0.3)
    leaf(pen, 26, 28, 6, -20, (92, 140, 80))
    leaf(pen, 74, 28, 5, 200, (120, 165, 95))


def draw_chip_bag(pen: Pen, pal: Palette, rng: random.Random, chip: Colour = (232, 180, 70), **_):
    pen.shadow(50, 82, 28, 3)
    left = curve([(27, 18), (23, 48), (27, 78)], 6)
    right = curve([(73, 78), (77, 48), (73, 18)], 6)
    pen.poly([*left, *right], fill=pal.main, outline=darker(pal.main, 0.45))
    for y0, sign in ((14, 1), (78, -1)):
        crimp = [(27 + i * 2.3, y0 + (0 if i % 2 else 2) * sign) for i in range(21)] + [(73, y0)]
        base = y0 + 5 * sign
        pen.poly([(27, base), *crimp, (73, base)], fill=darker(pal.main, 0.2))
    pen.ellipse((34, 42, 66, 70), fill=(255, 255, 255, 230), outline=darker(pal.main, 0.3))
    for _ in range(9):
        x, y, r = rng.uniform(39, 61), rng.uniform(48, 64), rng.uniform(3, 4.5)
        pen.ellipse((x - r, y - r * 0.75, x + r, y + r * 0.75), fill=chip, outline=darker(chip, 0.25), width=0.25)
    pen.rrect((31, 27, 69, 38), 2, fill=pal.accent)
    pen.rrect((36, 31, 64, 34), 1, fill=lighter(pal.accent, 0.65))
    pen.poly([(29, 22), (31, 22), (29, 72), (27, 72)], fill=(255, 255, 255, 45))
    for _ in range(6):
        x, y, r = rng.uniform(16, 84), rng.uniform(80, 87), rng.uniform(2.5, 3.5)
        pen.ellipse((x - r, y - r * 0.6, x + r, y + r * 0.6), fill=chip, outline=darker(chip, 0.25), width=0.25)


def draw_cookie_jar(pen: Pen, pal: Palette, rng: random.Random, cookie: str = "nastar", **_):
    pen.shadow(50, 81, 24, 3)
    pen.rrect((30, 32, 70, 79), 5, fill=(255, 255, 255, 110), outline=(160, 160, 160, 200))
    colours = {"nastar": (226, 163, 64), "kastengel": (236, 196, 104), "putri-salju": (248, 244, 236)}
    colour = colours.get(cookie, (205, 140, 70))
    for row in range(4):
        for col in range(4):
            x, y = 35.5 + col * 9.5 + (row % 2) * 2, 41 + row * 9.3
            if cookie == "kastengel":
                pen.rrect((x - 3.8, y - 2, x + 3.8, y + 2), 0.8, fill=colour, outline=darker(colour, 0.3), width=0.25)
            elif cookie == "putri-salju":
                pen.draw.chord(
                    pen.p(x - 4.2, y - 4.2, x + 4.2, y + 4.2),
                    200,
                    340,
                    fill=colour,
                    outline=(215, 208, 196),
                    width=pen.w(0.3),
                )
            else:
                pen.ellipse((x - 3.8, y - 3.5, x + 3.8, y + 3.5), fill=colour, outline=darker(colour, 0.3), width=0.25)
                pen.ellipse((x - 1.2, y - 1.5, x + 1.2, y + 0.7), fill=(180, 90, 30))
    pen.rrect((28, 24, 72, 34), 3, fill=pal.accent, outline=darker(pal.accent, 0.4))
    pen.rrect((38, 56, 62, 66), 1.5, fill=(*pal.main, 235))
    pen.poly([(32, 36), (34, 36), (34, 76), (32, 76)], fill=(255, 255, 255, 90))


def _sneaker_upper(high: bool) -> list[tuple[float, float]]:
    if high:
        back = [(13, 64), (12, 46), (13, 24), (22, 22), (30, 25), (37, 29), (42, 25), (47, 24), (51, 28)]
    else:
        back = [(13, 64), (12, 50), (14, 40), (23, 39), (31, 44), (38, 42), (43, 35), (48, 33), (52, 36)]
    return curve([*back, (62, 44), (74, 50), (84, 54), (89, 60), (89, 64)], 8)


def draw_sneaker(pen: Pen, pal: Palette, rng: random.Random, high: bool = False, runner: bool = False, **_):
    sole_h = 8 if runner else 6
    pen.shadow(51, 63 + sole_h, 41, 2.6)
    outline = darker(pal.main, 0.55)
    sole_colour = (245, 243, 238) if not runner else lighter(pal.accent, 0.5)
    pen.poly(_sneaker_upper(high), fill=pal.main, outline=outline)
    pen.poly(curve([(68, 47), (79, 51.5), (86, 56), (89, 60), (89, 64), (72, 64)], 6), fill=darker(pal.main, 0.12))
    stripe = curve([(24, 58), (38, 51), (54, 49), (68, 53)], 6) + curve([(64, 57), (50, 55), (36, 58), (26, 63)], 6)
    pen.poly(stripe, fill=pal.accent, outline=darker(pal.accent, 0.4), width=0.3)
    pen.poly([(12.5, 50), (20, 47), (20, 63), (13, 63)], fill=darker(pal.accent, 0.1))
    start, end = ((44, 28), (60, 43)) if high else ((46, 37), (61, 45))
    count = 7 if high else 5
    dx, dy = end[0] - start[0], end[1] - start[1]
    length = math.hypot(dx, dy)
    nx, ny = -dy / length, dx / length
    for i in range(count):
        t = i / (count - 1)
        x, y = start[0] + dx * t, start[1] + dy * t
        pen.line([(x - nx * 2.6, y - ny * 2.6), (x + nx * 2.6, y + ny * 2.6)], fill=(250, 250, 248), width=1.1)
        for side in (-1, 1):
            ex, ey = x + side * nx * 3.2, y + side * ny * 3.2
            pen.ellipse((ex - 0.7, ey - 0.7, ex + 0.7, ey + 0.7), fill=darker(pal.main, 0.55))
    pen.rrect((12.5, 62, 90, 62 + sole_h), 3, fill=sole_colour, outline=darker(sole_colour, 0.35), width=0.4)
    pen.line([(15, 62 + sole_h * 0.45), (87, 62 + sole_h * 0.45)], fill=darker(sole_colour, 0.2), width=0.35)
    if runner:
        for x in range(18, 86, 6):
            pen.line([(x, 66), (x + 3, 69)], fill=darker(sole_colour, 0.25), width=0.3)
    top = 23 if high else 39
    pen.rrect((10.5, top, 15, top + 7), 1, fill=darker(pal.accent, 0.25))


def draw_sandal(pen: Pen, pal: Palette, rng: random.Random, **_):
    pen.shadow(50, 80, 34, 3)
    for cx, tilt in ((35, -8), (65, 8)):
        angles = [i / 40 * 2 * math.pi for i in range(40)]
        sole = [(math.cos(t) * 12 * (1 + 0.12 * math.sin(t)), math.sin(t) * 30) for t in angles]
        pen.poly(placed(sole, cx, 50, tilt), fill=darker(pal.main, 0.1), outline=darker(pal.main, 0.5))
        pen.draw.arc(pen.p(cx - 13, 28, cx + 13, 56), 200, 340, fill=pal.accent, width=pen.w(4))
        pen.draw.arc(pen.p(cx - 13, 46, cx + 13, 74), 200, 340, fill=pal.accent, width=pen.w(3))


def draw_socks(pen: Pen, pal: Palette, rng: random.Random, **_):
    pen.shadow(50, 82, 30, 3)
    for dx, colour in ((-12, pal.main), (10, lighter(pal.main, 0.2))):
        outline = pts("38,14 38,58 36,70 42,79 64,80 70,75 66,67 54,61 54,14")
        sock = curve([(x + dx, y) for x, y in outline], 6)
        pen.poly(sock, fill=colour, outline=darker(colour, 0.4))
        pen.rrect((37.5 + dx, 14, 54.5 + dx, 20), 1, fill=darker(colour, 0.15))
        for y in (26, 31):
            pen.rrect((38 + dx, y, 54 + dx, y + 2.2), 0.5, fill=pal.accent)


def draw_laces(pen: Pen, pal: Palette, rng: random.Random, **_):
    pen.shadow(50, 78, 28, 3)
    for i, colour in enumerate((pal.main, pal.accent, (245, 243, 238))):
        cx, cy = 34 + i * 16, 52 + (i % 2) * 6
        for r in (14, 11, 8, 5):
            pen.ellipse((cx - r, cy - r * 0.8, cx + r, cy + r * 0.8), outline=colour, width=1.4)
        pen.rrect((cx + 10, cy + 8, cx + 16, cy + 10), 0.8, fill=darker(colour, 0.3))


DRAWERS: dict[str, Callable[..., None]] = {
    "shirt": draw_shirt,
    "dress": draw_dress,
    "kain": draw_kain,
    "scarf": draw_scarf,
    "tote": draw_tote,
    "coffee-bag": draw_coffee_bag,
    "drip-bags": draw_drip_bags,
    "dripper": draw_dripper,
    "bottle": draw_bottle,
    "serum": draw_serum,
    "jar": draw_jar,
    "soap": draw_soap,
    "chip-bag": draw_chip_bag,
    "cookie-jar": draw_cookie_jar,
    "sneaker": draw_sneaker,
    "sandal": draw_sandal,
    "socks": draw_socks,
    "laces": draw_laces,
}
PATTERNED = {"shirt", "dress", "kain", "scarf", "tote"}

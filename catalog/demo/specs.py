"""The shapes of the demo data (people, stores, products, variant schemes) and the shared parts.

Pure data, no database access. Prices are in rupiah (major units); the seeder converts
them with ``shop.money.to_minor``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.demo.canvas import Palette, hex_colour

DEMO_DOMAIN = "demo.etalase.id"
ADMIN_PASSWORD = "etalase-admin"
SELLER_PASSWORD = "etalase-seller"
DEMO_PASSWORD = "etalase-demo"


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    password: str = DEMO_PASSWORD
    email_name: str = ""
    superuser: bool = False

    @property
    def email(self) -> str:
        return f"{self.email_name or self.username}@{DEMO_DOMAIN}"


ADMIN = Person("admin", "Admin", "Etalase", ADMIN_PASSWORD, superuser=True)

SHOPPERS = tuple(
    Person(first.lower(), first, last)
    for first, last in (
        ("Ani", "Wijaya"),
        ("Budi", "Santoso"),
        ("Citra", "Lestari"),
        ("Dewi", "Anggraini"),
        ("Eko", "Prasetyo"),
        ("Fitri", "Handayani"),
        ("Gilang", "Ramadhan"),
        ("Hana", "Pertiwi"),
        ("Indra", "Kusuma"),
        ("Joko", "Susilo"),
        ("Kartika", "Sari"),
        ("Lukman", "Hakim"),
        ("Maya", "Sitompul"),
        ("Nanda", "Pratama"),
        ("Oki", "Setiawan"),
        ("Putu", "Ayu Maharani"),
        ("Rina", "Marpaung"),
        ("Sinta", "Nuraini"),
        ("Taufik", "Hidayat"),
        ("Wulan", "Purnamasari"),
    )
)


def palette(top: str, bottom: str, main: str, accent: str, ink: str = "2b2420") -> Palette:
    return Palette(hex_colour(top), hex_colour(bottom), hex_colour(main), hex_colour(accent), hex_colour(ink))


PALETTES = {
    "sogan": palette("f6ead6", "dcc29a", "6b3f22", "d9a441"),
    "indigo": palette("eef1f7", "bcc7dd", "24345f", "d6b15e", "1d2540"),
    "marun": palette("f8e9e4", "e2b8ab", "7a1f2b", "e7c27d", "3b1a1f"),
    "hijau": palette("edf3e8", "bfd4b2", "2f5d46", "e6c36a", "1e3327"),
    "pesisir": palette("fdf0e3", "f3c9a4", "b3312c", "2f8f8a", "3a1f1c"),
    "kopi": palette("f5ece2", "d8bfa6", "4a2c1d", "e0a458", "2b1a12"),
    "terakota": palette("fbeee6", "e9b99c", "a4492a", "f2d19b", "3a1e14"),
    "kintamani": palette("eaf2ee", "b7d3c6", "1f4e46", "e9b949", "17302b"),
    "kunyit": palette("fff6dc", "f6d77c", "d98f12", "7b4a12", "3f2a0c"),
    "pegagan": palette("eff6ec", "c6e0bd", "3d7a4a", "f0f0e6", "1f3b24"),
    "mawar": palette("fdf0f2", "f3c4cd", "c9566f", "f7e3b5", "4a1f2a"),
    "bengkoang": palette("f9f6ef", "e6dcc6", "efe6d2", "8a6a3f", "3b2f20"),
    "cabai": palette("fff1e8", "f7c2a1", "c8281e", "f2c230", "3f140f"),
    "pisang": palette("fffbe6", "f4e19a", "5a3b22", "f2c230", "33220f"),
    "daun": palette("f1f7e9", "cfe3b0", "4f7a28", "f29e38", "24361a"),
    "kue": palette("fdf4e7", "f0d3a8", "8a3b2c", "c0392b", "3b1d14"),
    "kanvas": palette("eef1ef", "c9d3cc", "efe9dc", "c0573e", "25302a"),
    "navy": palette("edf1f6", "bac6d8", "1f2f4f", "e3e1da", "16213a"),
    "hitam": palette("f1f0ee", "c9c6c0", "2a2a2c", "e4572e", "1b1b1d"),
    "suede": palette("f7eee4", "e0c3a2", "8b5a34", "f1e3c8", "332014"),
    "olive": palette("f1f3e6", "cfd4ad", "5c6433", "e9a23b", "2a2e17"),
    "karet": palette("eef4f6", "b9d4dc", "2e6f7e", "f2b134", "173740"),
}


@dataclass(frozen=True)
class Scheme:
    """How a product's variants are made: option axes, and how each value moves the price."""

    axes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    factor: dict[str, float] = field(default_factory=dict)  # price multiplied, e.g. 500g = 2.35 x 200g
    extra: dict[str, int] = field(default_factory=dict)  # rupiah added, e.g. XL + 25.000


ONE = Scheme()
SHIRT = Scheme((("Size", ("S", "M", "L", "XL")),), extra={"XL": 25_000})
SHIRT_WIDE = Scheme((("Size", ("M", "L", "XL", "XXL")),), extra={"XL": 25_000, "XXL": 45_000})
SHIRT_TULIS = Scheme((("Size", ("M", "L", "XL")),), extra={"XL": 50_000})
SHIRT_KIDS = Scheme(
    (("Size", ("4-5 th", "6-7 th", "8-9 th", "10-11 th")),), extra={"8-9 th": 10_000, "10-11 th": 15_000}
)
DRESS = Scheme((("Size", ("S", "M", "L")),))
BEANS = Scheme(
    (("Weight", ("200g", "500g", "1kg")), ("Grind", ("Biji utuh (whole bean)", "Giling V60"))),
    factor={"500g": 2.35, "1kg": 4.4},
)
BEANS_THREE_GRINDS = Scheme(
    (("Weight", ("200g", "500g")), ("Grind", ("Biji utuh (whole bean)", "Giling V60", "Giling espresso"))),
    factor={"500g": 2.35},
)
GROUND = Scheme((("Weight", ("200g", "500g")), ("Grind", ("Halus (espresso)", "Sedang (V60)"))), factor={"500g": 2.35})
TUBRUK = Scheme((("Weight", ("250g", "500g", "1kg")),), factor={"500g": 1.9, "1kg": 3.6})
DRIP = Scheme((("Pack", ("Isi 5", "Isi 10")),), factor={"Isi 10": 1.85})
COLD_BREW = Scheme((("Pack", ("1 botol 250ml", "Isi 6 botol")),), factor={"Isi 6 botol": 5.5})
SERUM = Scheme((("Size", ("30ml", "50ml")),), factor={"50ml": 1.5})
MASKER = Scheme((("Size", ("50g", "100g")),), factor={"100g": 1.7})
TONER = Scheme((("Size", ("100ml", "200ml")),), factor={"200ml": 1.7})
LULUR = Scheme((("Size", ("150g", "300g")),), factor={"300g": 1.75})
BODY_OIL = Scheme((("Size", ("50ml", "100ml")),), factor={"100ml": 1.7})
JAMU = Scheme((("Pack", ("1 botol 250ml", "Isi 6 botol")),), factor={"Isi 6 botol": 5.4})
SNACK_WEIGHTS = Scheme((("Weight", ("100g", "250g", "500g")),), factor={"250g": 2.3, "500g": 4.3})
SNACK_TWO_WEIGHTS = Scheme((("Weight", ("150g", "300g")),), factor={"300g": 1.85})
TOPLES = Scheme((("Size", ("Toples 250g", "Toples 500g")),), factor={"Toples 500g": 1.85})
SNEAKER = Scheme((("Size", ("39", "40", "41", "42", "43", "44")),))
SNEAKER_SMALL = Scheme((("Size", ("38", "39", "40", "41", "42", "43")),))
SANDAL = Scheme((("Size", ("38", "40", "42", "44")),))


def flavours(*names: str, weights: tuple[str, ...] = (), factor: dict | None = None) -> Scheme:
    axes = (("Flavour", names),) + ((("Weight", weights),) if weights else ())
    return Scheme(axes, factor=factor or {})


def colours(*names: str) -> Scheme:
    return Scheme((("Colour", names),))


@dataclass(frozen=True)
class ProductSpec:
    slug: str
    title: str
    category: str  # a category slug
    kind: str  # an illustration in catalog.demo.art.DRAWERS
    palette: str
    price: int  # rupiah, for the first value of every axis
    scheme: Scheme
    description: str
    sale: int = 0  # percent off: the compare-at price is set this much higher
    status: str = "active"
    art: dict = field(default_factory=dict)
    images: int = 0  # 0: one to three, chosen by the seeded random generator
    sold_out: bool = False
    max_stock: int = 60


@dataclass(frozen=True)
class StoreSpec:
    slug: str
    name: str
    owner: Person
    city: str
    sku_prefix: str
    initials: str
    motif: str
    palette: str
    description: str
    whatsapp: str
    footer: str
    products: tuple[ProductSpec, ...]


# (slug, name, parent slug), parents first.
CATEGORIES = (
    ("fashion", "Fashion", None),
    ("batik", "Batik", "fashion"),
    ("batik-kemeja", "Kemeja", "batik"),
    ("batik-kain", "Kain", "batik"),
    ("batik-dress", "Dress", "batik"),
    ("fashion-aksesoris", "Aksesoris", "fashion"),
    ("food-drink", "Food & Drink", None),
    ("coffee", "Coffee", "food-drink"),
    ("coffee-beans", "Beans", "coffee"),
    ("coffee-ground", "Ground", "coffee"),
    ("coffee-drip-bags", "Drip Bags", "coffee"),
    ("coffee-cold-brew", "Cold Brew", "coffee"),
    ("coffee-alat-seduh", "Alat Seduh", "coffee"),
    ("jamu", "Jamu", "food-drink"),
    ("snacks", "Snacks", None),
    ("snacks-keripik", "Keripik", "snacks"),
    ("snacks-kue-kering", "Kue Kering", "snacks"),
    ("snacks-kacang-kerupuk", "Kacang & Kerupuk", "snacks"),
    ("beauty", "Beauty", None),
    ("skincare", "Skincare", "beauty"),
    ("skincare-serum", "Serum", "skincare"),
    ("skincare-masker", "Masker", "skincare"),
    ("skincare-toner", "Toner", "skincare"),
    ("body-care", "Body Care", "beauty"),
    ("shoes", "Shoes", None),
    ("sneakers", "Sneakers", "shoes"),
    ("sandals", "Sandals", "shoes"),
    ("shoe-accessories", "Aksesoris Sepatu", "shoes"),
)

P = ProductSpec  # short, for the product tables in catalog/demo/stores/

"""The shapes of the checkout demo data: pure data, no database access.

Amounts are in rupiah (major units); the seeder converts them with ``shop.money.to_minor``.
Shoppers are named by their ``catalog.demo.specs.SHOPPERS`` username, stores by slug, and
a product by its ``pick``: the n-th well-stocked variant of the store's active products,
in the order the catalog specs list them (so it exists however many products were seeded).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from checkout.models import PROVINCES

# The prefix of every demo checkout's idempotency key: real ones are random hex, so a
# payment whose key starts with it is a demo order, and finding it means "already seeded".
DEMO_KEY_PREFIX = "demo-"


@dataclass(frozen=True)
class StoreSettingsSpec:
    store: str
    flat_rate: int
    free_from: int | None
    bank: str
    account: str
    holder: str
    cod: bool = False
    cod_fee: int = 0
    cod_max: int | None = None


STORE_SETTINGS = (
    StoreSettingsSpec(
        "batik-sekar-jagad", 20_000, 500_000, "BCA", "0153 889 214", "CV Sekar Jagad Surakarta",
        cod=True, cod_fee=5_000, cod_max=1_500_000,
    ),
    StoreSettingsSpec("kopi-kintamani-lestari", 15_000, 250_000, "BPD Bali", "018 02 00 123456", "I Made Wirawan"),
    StoreSettingsSpec(
        "jamu-glow", 12_000, 200_000, "BSI", "7143 290 871", "Ayu Larasati", cod=True, cod_fee=4_000, cod_max=500_000
    ),
    StoreSettingsSpec(
        "camilan-nusantara", 10_000, 150_000, "Mandiri", "130 00 1672 4431", "CV Camilan Nusantara",
        cod=True, cod_fee=3_000, cod_max=300_000,
    ),
    StoreSettingsSpec("langkah-lokal-sneakers", 25_000, None, "BNI", "0827 315 540", "Rizky Firmansyah"),
)  # fmt: skip


@dataclass(frozen=True)
class CodeSpec:
    code: str
    store: str | None  # None: site-wide
    kind: str  # "percentage" or "fixed"
    value: int  # percent, or rupiah for a fixed code
    min_spend: int = 0
    starts_days: int = -30  # relative to the first seed
    ends_days: int | None = None
    usage_limit: int | None = None
    per_user_limit: int | None = None


CODES = (
    CodeSpec("ETALASEBARU", None, "percentage", 10, min_spend=100_000, per_user_limit=1),
    CodeSpec("HEMAT20K", None, "fixed", 20_000, min_spend=150_000, ends_days=60),
    CodeSpec("SEKARJAGAD15", "batik-sekar-jagad", "percentage", 15, min_spend=300_000, usage_limit=20),
    CodeSpec("GLOWUP25", "jamu-glow", "fixed", 25_000, min_spend=150_000, usage_limit=50, per_user_limit=1),
    CodeSpec("KOPIMERDEKA", "kopi-kintamani-lestari", "percentage", 17, starts_days=-60, ends_days=-30),  # expired
    CodeSpec("NGEMILHEMAT", "camilan-nusantara", "percentage", 5, min_spend=50_000, usage_limit=100),
)


@dataclass(frozen=True)
class AddressSpec:
    shopper: str
    label: str
    street: str
    district: str
    city: str
    province: str
    postal_code: str
    recipient: str = ""  # empty: the shopper's own name


# One home each, an office or family address for some. The phone numbers are made up
# (08120000xxxx) and shared by a shopper's addresses.
ADDRESSES = (
    AddressSpec(
        "ani", "Rumah", "Jl. Kemang Raya No. 12", "Mampang Prapatan", "Jakarta Selatan", "DKI Jakarta", "12730"
    ),
    AddressSpec(
        "ani", "Kantor", "Jl. Jend. Sudirman Kav. 52-53, Lt. 9", "Kebayoran Baru", "Jakarta Selatan", "DKI Jakarta",
        "12190",
    ),
    AddressSpec("budi", "Rumah", "Jl. Ir. H. Juanda No. 45", "Coblong", "Bandung", "Jawa Barat", "40135"),
    AddressSpec("citra", "Kos", "Jl. Kaliurang Km 5 No. 17", "Depok", "Sleman", "DI Yogyakarta", "55281"),
    AddressSpec(
        "citra", "Rumah Ibu", "Jl. Veteran No. 8", "Purwokerto Timur", "Banyumas", "Jawa Tengah", "53111",
        recipient="Sumarni",
    ),
    AddressSpec("dewi", "Rumah", "Jl. Raya Darmo No. 88", "Wonokromo", "Surabaya", "Jawa Timur", "60241"),
    AddressSpec("eko", "Rumah", "Jl. Pemuda No. 120", "Semarang Tengah", "Semarang", "Jawa Tengah", "50132"),
    AddressSpec("fitri", "Rumah", "Jl. Khatib Sulaiman No. 40", "Padang Utara", "Padang", "Sumatera Barat", "25135"),
    AddressSpec("gilang", "Rumah", "Jl. Teuku Umar No. 9", "Denpasar Barat", "Denpasar", "Bali", "80113"),
    AddressSpec(
        "hana", "Rumah", "Jl. A. P. Pettarani No. 33", "Rappocini", "Makassar", "Sulawesi Selatan", "90222"
    ),
    AddressSpec("indra", "Rumah", "Jl. Ijen No. 27", "Klojen", "Malang", "Jawa Timur", "65119"),
    AddressSpec("joko", "Rumah", "Jl. Slamet Riyadi No. 301", "Laweyan", "Surakarta", "Jawa Tengah", "57141"),
    AddressSpec("kartika", "Rumah", "Jl. Margonda Raya No. 100", "Beji", "Depok", "Jawa Barat", "16424"),
    AddressSpec("lukman", "Rumah", "Jl. Jend. Sudirman No. 5", "Pekanbaru Kota", "Pekanbaru", "Riau", "28111"),
    AddressSpec("maya", "Rumah", "Jl. Jamin Ginting No. 14", "Medan Baru", "Medan", "Sumatera Utara", "20154"),
    AddressSpec("nanda", "Rumah", "Jl. Pahlawan Seribu No. 3", "Serpong", "Tangerang Selatan", "Banten", "15322"),
    AddressSpec(
        "nanda", "Kantor", "Jl. Boulevard Gading Serpong Blok M5", "Kelapa Dua", "Tangerang", "Banten", "15810"
    ),
    AddressSpec("oki", "Rumah", "Jl. Ahmad Yani No. 15", "Pontianak Selatan", "Pontianak", "Kalimantan Barat", "78121"),
    AddressSpec("putu", "Rumah", "Jl. Raya Ubud No. 8", "Ubud", "Gianyar", "Bali", "80571"),
    AddressSpec("rina", "Rumah", "Jl. Gatot Subroto No. 50", "Medan Petisah", "Medan", "Sumatera Utara", "20112"),
    AddressSpec("sinta", "Rumah", "Jl. Kolonel Sugiono No. 23", "Mergangsan", "Yogyakarta", "DI Yogyakarta", "55153"),
    AddressSpec(
        "taufik", "Rumah", "Jl. Pangeran Antasari No. 17", "Banjarmasin Tengah", "Banjarmasin", "Kalimantan Selatan",
        "70233",
    ),
    AddressSpec("wulan", "Rumah", "Jl. Pajajaran No. 80", "Bogor Tengah", "Bogor", "Jawa Barat", "16128"),
)  # fmt: skip
assert all(address.province in PROVINCES for address in ADDRESSES)


@dataclass(frozen=True)
class Pick:
    """``quantity`` of the store's ``index``-th well-stocked variant."""

    store: str
    index: int
    quantity: int = 1


@dataclass(frozen=True)
class CartSpec:
    shopper: str
    lines: tuple[Pick, ...]
    # The line (by position) whose price went up after it was added: the cart flags it.
    price_rose: int | None = None


CARTS = (
    CartSpec("ani", (Pick("jamu-glow", 0), Pick("camilan-nusantara", 0, 2)), price_rose=0),
    CartSpec("budi", (Pick("langkah-lokal-sneakers", 1), Pick("kopi-kintamani-lestari", 2))),
    CartSpec("oki", (Pick("batik-sekar-jagad", 0),)),
    CartSpec("putu", (Pick("camilan-nusantara", 2, 3), Pick("jamu-glow", 1))),
)

# What each step of an order's story is, and how many hours after the step before it it
# happened (the timeline is backdated to look lived in; nothing ends in the future).
STEP_HOURS = {
    "pay": 3,  # the seller confirms the transfer
    "ship": 20,  # with a carrier and tracking number
    "deliver": 46,
    "receive": 18,  # the buyer confirms receipt: completed
    "cancel": 2,  # by the buyer
    "expire": 24,  # unpaid bank transfer, ORDER_BANK_TRANSFER_HOURS
    "refuse": 46,  # cash on delivery refused at the door
    "refund": 26,
}


@dataclass(frozen=True)
class OrderSpec:
    key: str  # the checkout's idempotency key (DEMO_KEY_PREFIX + a name)
    buyer: str
    lines: tuple[Pick, ...]
    method: str  # "bank_transfer" or "cod" (cards need Stripe keys)
    steps: tuple[str, ...]
    days_ago: float
    code: str = ""
    carrier: str = "JNE"
    note: str = ""  # the buyer's note to the seller
    notes: dict[str, str] = field(default_factory=dict)  # step -> note on the timeline


BT, COD = "bank_transfer", "cod"
BATIK, KOPI, GLOW, CAMILAN, LANGKAH = (
    "batik-sekar-jagad", "kopi-kintamani-lestari", "jamu-glow", "camilan-nusantara", "langkah-lokal-sneakers",
)  # fmt: skip

# Batik Sekar Jagad (the seller demo login) has an order in every state.
ORDERS = (
    OrderSpec("demo-menunggu-transfer", "ani", (Pick(BATIK, 0),), BT, (), 0.1, note="Untuk kado, tolong dibungkus ya."),
    OrderSpec(
        "demo-sudah-dibayar", "budi", (Pick(BATIK, 1, 2),), BT, ("pay",), 1, notes={"pay": "Transfer BCA sudah masuk."}
    ),
    OrderSpec("demo-dalam-pengiriman", "citra", (Pick(BATIK, 0),), BT, ("pay", "ship"), 2),
    OrderSpec("demo-cod-diterima", "dewi", (Pick(BATIK, 1),), COD, ("ship", "deliver"), 4, carrier="SiCepat"),
    OrderSpec("demo-selesai", "eko", (Pick(BATIK, 0),), BT, ("pay", "ship", "deliver", "receive"), 12),
    OrderSpec(
        "demo-dibatalkan", "fitri", (Pick(BATIK, 1),), BT, ("cancel",), 6,
        notes={"cancel": "Salah pilih ukuran, mau pesan ulang."},
    ),
    OrderSpec("demo-kedaluwarsa", "gilang", (Pick(BATIK, 0),), BT, ("expire",), 8),
    OrderSpec(
        "demo-cod-ditolak", "hana", (Pick(BATIK, 1),), COD, ("ship", "refuse"), 9, carrier="J&T Express",
        notes={"refuse": "Penerima tidak di rumah dan menolak saat dihubungi kurir."},
    ),
    OrderSpec(
        "demo-dana-kembali", "indra", (Pick(BATIK, 0),), BT, ("pay", "refund"), 5,
        notes={"refund": "Ada cacat pewarnaan pada kain; dana dikembalikan penuh ke rekening pembeli."},
    ),
    OrderSpec(
        "demo-kode-toko", "nanda", (Pick(BATIK, 0),), BT, ("pay", "ship"), 3, code="SEKARJAGAD15", carrier="AnterAja"
    ),
    # One checkout, two stores, a site-wide code: two orders under one payment.
    OrderSpec(
        "demo-dua-toko", "ani", (Pick(BATIK, 1), Pick(KOPI, 0, 2)), BT, ("pay", "ship", "deliver", "receive"), 15,
        code="ETALASEBARU",
    ),
    OrderSpec("demo-kopi-dikirim", "ani", (Pick(KOPI, 1),), BT, ("pay", "ship"), 2, carrier="J&T Express"),
    OrderSpec("demo-glow-dibayar", "kartika", (Pick(GLOW, 0, 2),), BT, ("pay",), 1.5, code="GLOWUP25"),
    OrderSpec("demo-camilan-cod-dikirim", "joko", (Pick(CAMILAN, 0, 3),), COD, ("ship",), 1, carrier="SiCepat"),
    OrderSpec(
        "demo-camilan-selesai", "maya", (Pick(CAMILAN, 1, 4),), COD, ("ship", "deliver", "receive"), 10,
        note="Tolong dipacking yang aman ya kak, buat oleh-oleh.",
    ),
    OrderSpec("demo-sepatu-diterima", "lukman", (Pick(LANGKAH, 0),), BT, ("pay", "ship", "deliver"), 4),
)  # fmt: skip
assert all(order.key.startswith(DEMO_KEY_PREFIX) for order in ORDERS)
assert all(step in STEP_HOURS for order in ORDERS for step in order.steps)

"""Langkah Lokal Sneakers: sneakers and sandals made in Cibaduyut, Bandung."""

from catalog.demo.specs import (
    ONE,
    SANDAL,
    SNEAKER,
    SNEAKER_SMALL,
    P,
    Person,
    Scheme,
    StoreSpec,
    colours,
)

LANGKAH = StoreSpec(
    slug="langkah-lokal-sneakers",
    name="Langkah Lokal Sneakers",
    owner=Person("langkahlokal", "Rizky", "Firmansyah", email_name="langkah"),
    city="Bandung",
    sku_prefix="LLS",
    initials="LL",
    motif="shoe",
    palette="hitam",
    description=(
        "Sneakers buatan pengrajin Cibaduyut, Bandung. Vulcanized rubber soles, canvas and suede uppers, "
        "and names from the streets we walk every day.\n\nGaransi jahitan 6 bulan. Free size exchange "
        "within 14 days."
    ),
    whatsapp="",
    footer="Unsure about your size? Ukur panjang telapak kaki dan lihat tabel ukuran di foto kedua.",
    products=(
        P(
            slug="braga-low-canvas-off-white",
            title="Braga Low Canvas Off White",
            category="sneakers",
            kind="sneaker",
            palette="kanvas",
            price=349_000,
            scheme=SNEAKER,
            description=(
                "Our everyday low-top in 12 oz cotton canvas on a vulcanized rubber sole. Named after Jalan "
                "Braga, where the first pair was photographed."
            ),
            images=3,
        ),
        P(
            slug="braga-low-canvas-navy",
            title="Braga Low Canvas Navy",
            category="sneakers",
            kind="sneaker",
            palette="navy",
            price=349_000,
            scheme=SNEAKER,
            description="The Braga in navy, for those who'd rather not clean white canvas every week.",
            sale=20,
        ),
        P(
            slug="dago-high-canvas-hitam",
            title="Dago High Canvas Hitam",
            category="sneakers",
            kind="sneaker",
            palette="hitam",
            price=429_000,
            scheme=SNEAKER,
            description="A high-top with a padded collar and seven eyelets, built for cold evenings up in Dago.",
            art={"high": True},
        ),
        P(
            slug="asia-afrika-suede-sogan",
            title="Asia Afrika Suede Sogan",
            category="sneakers",
            kind="sneaker",
            palette="suede",
            price=599_000,
            scheme=SNEAKER,
            description=(
                "Cow suede in batik-sogan brown with a cream stripe. Kulit asli dari Garut, dijahit di Cibaduyut."
            ),
        ),
        P(
            slug="lari-pagi-runner",
            title="Lari Pagi Runner",
            category="sneakers",
            kind="sneaker",
            palette="karet",
            price=549_000,
            scheme=SNEAKER,
            description="A light mesh runner with an EVA midsole, for car-free day laps around Gasibu.",
            sale=15,
            art={"runner": True},
        ),
        P(
            slug="priangan-leather-low-putih",
            title="Priangan Leather Low Putih",
            category="sneakers",
            kind="sneaker",
            palette="kanvas",
            price=899_000,
            scheme=SNEAKER,
            description=(
                "Full-grain leather, leather lining, stitched cupsole. Our most formal sneaker: bisa dipakai ke kantor."
            ),
            max_stock=8,
        ),
        P(
            slug="kawung-slip-on-batik",
            title="Kawung Slip-On Batik",
            category="sneakers",
            kind="sneaker",
            palette="indigo",
            price=389_000,
            scheme=SNEAKER_SMALL,
            description="A laceless slip-on in indigo kawung batik cloth from our friends at Batik Sekar Jagad.",
        ),
        P(
            slug="cihampelas-high-olive",
            title="Cihampelas High Olive",
            category="sneakers",
            kind="sneaker",
            palette="olive",
            price=459_000,
            scheme=SNEAKER,
            description="Olive canvas high-top with orange details. Sisa stok terakhir untuk ukuran besar.",
            art={"high": True},
            max_stock=6,
        ),
        P(
            slug="citarum-sandal-gunung",
            title="Citarum Sandal Gunung",
            category="sandals",
            kind="sandal",
            palette="olive",
            price=229_000,
            scheme=SNEAKER,
            description=(
                "Hiking sandals with webbing straps and a grippy rubber sole, for river crossings and weekend"
                " trips to Ciwidey."
            ),
        ),
        P(
            slug="sandal-jepit-karet-alam",
            title="Sandal Jepit Karet Alam",
            category="sandals",
            kind="sandal",
            palette="karet",
            price=59_000,
            scheme=SANDAL,
            description="Flip-flops in natural rubber from Sumatran smallholders. Soft, durable, biodegradable.",
            sale=10,
        ),
        P(
            slug="kaus-kaki-motif-tenun",
            title="Kaus Kaki Katun Motif Tenun (3 pasang)",
            category="shoe-accessories",
            kind="socks",
            palette="marun",
            price=89_000,
            scheme=Scheme((("Size", ("S (36-39)", "L (40-44)")),)),
            description="Three pairs of combed cotton socks with a tenun ikat stripe. Tidak melorot, tidak bau.",
            images=1,
        ),
        P(
            slug="tali-sepatu-waxed-cotton",
            title="Tali Sepatu Waxed Cotton",
            category="shoe-accessories",
            kind="laces",
            palette="kanvas",
            price=35_000,
            scheme=colours("Putih", "Hitam", "Tan"),
            description="Waxed cotton laces, 120 cm, with metal aglets. Fits every Langkah low-top.",
            images=1,
        ),
        P(
            slug="shoe-cleaner-kit",
            title="Shoe Cleaner Kit",
            category="shoe-accessories",
            kind="bottle",
            palette="karet",
            price=89_000,
            scheme=ONE,
            description=(
                "Coconut-based cleaner (100 ml), a horsehair brush and a microfibre cloth. Canvas kembali "
                "bersih tanpa dicuci mesin."
            ),
            art={"liquid": (196, 226, 232)},
        ),
        P(
            slug="braga-low-batik-edition",
            title="Braga Low Batik Edition",
            category="sneakers",
            kind="sneaker",
            palette="pesisir",
            price=499_000,
            scheme=SNEAKER,
            description="Pre-order next month: the Braga in Lasem red and blue. Belum dibuka untuk umum.",
            status="draft",
        ),
    ),
)

"""Jamu & Glow: skincare and jamu from Kotagede, Yogyakarta."""

from catalog.demo.specs import (
    BODY_OIL,
    JAMU,
    LULUR,
    MASKER,
    SERUM,
    TONER,
    P,
    Person,
    Scheme,
    StoreSpec,
)

GLOW = StoreSpec(
    slug="jamu-glow",
    name="Jamu & Glow",
    owner=Person("jamuglow", "Ayu", "Larasati", email_name="glow"),
    city="Yogyakarta",
    sku_prefix="JNG",
    initials="J&G",
    motif="leaf",
    palette="pegagan",
    description=(
        "Skincare dan jamu dari resep nenek di Kotagede, Yogyakarta, diracik ulang dengan bahan aktif modern.\n\n"
        "Grandma's jamu recipes, reformulated with modern actives. BPOM-registered, halal, cruelty-free, "
        "in recyclable glass."
    ),
    whatsapp="",
    footer="Lakukan patch test sebelum pemakaian pertama. Simpan di tempat sejuk, jauh dari sinar matahari.",
    products=(
        P(
            slug="serum-temulawak-niacinamide",
            title="Serum Temulawak Brightening 10% Niacinamide",
            category="skincare-serum",
            kind="serum",
            palette="kunyit",
            price=149_000,
            scheme=SERUM,
            description=(
                "Java turmeric (temulawak) extract with 10% niacinamide to even out dark spots and bekas "
                "jerawat. Ringan, cepat meresap, aman untuk kulit berminyak."
            ),
            images=3,
        ),
        P(
            slug="serum-pegagan-calming",
            title="Serum Pegagan Calming",
            category="skincare-serum",
            kind="serum",
            palette="pegagan",
            price=139_000,
            scheme=SERUM,
            description=(
                "Pegagan (centella asiatica) and panthenol for skin that turns red after a day in the sun. "
                "Fragrance-free."
            ),
            sale=20,
        ),
        P(
            slug="serum-bakuchiol-kemiri",
            title="Serum Bakuchiol & Minyak Kemiri",
            category="skincare-serum",
            kind="serum",
            palette="sogan",
            price=169_000,
            scheme=SERUM,
            description=(
                "A gentle retinol alternative in candlenut oil, for night use. Kulit terasa lebih kenyal "
                "dalam empat minggu."
            ),
        ),
        P(
            slug="serum-vitamin-c-jeruk-nipis",
            title="Serum Vitamin C & Jeruk Nipis",
            category="skincare-serum",
            kind="serum",
            palette="kunyit",
            price=159_000,
            scheme=SERUM,
            description="Stable 15% vitamin C with lime peel extract. Pakai pagi hari sebelum sunscreen.",
        ),
        P(
            slug="masker-bengkoang-beras",
            title="Masker Bengkoang & Beras",
            category="skincare-masker",
            kind="jar",
            palette="bengkoang",
            price=89_000,
            scheme=MASKER,
            description=(
                "Jicama and rice powder, the way our grandmothers made bedak dingin. Mix with water, leave "
                "ten minutes, rinse."
            ),
        ),
        P(
            slug="masker-kunyit-madu",
            title="Masker Kunyit & Madu",
            category="skincare-masker",
            kind="jar",
            palette="kunyit",
            price=95_000,
            scheme=MASKER,
            description="Turmeric and wild honey from Sumbawa in a creamy mask. Tidak meninggalkan noda kuning.",
            sale=10,
        ),
        P(
            slug="masker-clay-kopi-kakao",
            title="Masker Clay Kopi & Kakao",
            category="skincare-masker",
            kind="jar",
            palette="kopi",
            price=99_000,
            scheme=MASKER,
            description="Kaolin clay with coffee grounds and cocoa from Gunungkidul to clear pores once a week.",
        ),
        P(
            slug="toner-air-mawar",
            title="Toner Air Mawar",
            category="skincare-toner",
            kind="bottle",
            palette="mawar",
            price=79_000,
            scheme=TONER,
            description=(
                "Steam-distilled rose water from Bandungan roses. Spray after cleansing or whenever your face"
                " needs a break."
            ),
            art={"liquid": (246, 190, 200)},
        ),
        P(
            slug="lulur-boreh-bali",
            title="Lulur Boreh Bali",
            category="body-care",
            kind="jar",
            palette="terakota",
            price=85_000,
            scheme=LULUR,
            description="A warming body scrub of rice, ginger, clove and cinnamon, from the Balinese boreh tradition.",
        ),
        P(
            slug="jamu-kunyit-asam",
            title="Jamu Kunyit Asam 250 ml",
            category="jamu",
            kind="bottle",
            palette="kunyit",
            price=25_000,
            scheme=JAMU,
            description=(
                "Turmeric and tamarind, brewed fresh every morning with palm sugar. Kirim hanya area Jogja, "
                "tahan tiga hari di kulkas."
            ),
            art={"liquid": (236, 160, 28)},
            max_stock=30,
        ),
        P(
            slug="jamu-beras-kencur",
            title="Jamu Beras Kencur 250 ml",
            category="jamu",
            kind="bottle",
            palette="bengkoang",
            price=25_000,
            scheme=JAMU,
            description=(
                "Rice and aromatic ginger (kencur): the jamu mbok-mbok sold door to door, for tired legs and "
                "a good appetite."
            ),
            art={"liquid": (236, 224, 190)},
            max_stock=30,
        ),
        P(
            slug="sabun-sereh-arang",
            title="Sabun Batang Sereh & Arang Bambu",
            category="body-care",
            kind="soap",
            palette="hitam",
            price=35_000,
            scheme=Scheme((("Scent", ("Sereh & Arang", "Kenanga", "Kopi")),)),
            description=(
                "Cold-process soap bars, cured for six weeks. Lemongrass and bamboo charcoal for oily skin; "
                "kenanga and coffee for everyone else."
            ),
        ),
        P(
            slug="minyak-kenanga-body-oil",
            title="Minyak Kenanga Body Oil",
            category="body-care",
            kind="bottle",
            palette="kunyit",
            price=115_000,
            scheme=BODY_OIL,
            description=(
                "Coconut oil infused with kenanga flowers from Kulon Progo. For massage, dry elbows and dry "
                "ends of hair."
            ),
            art={"liquid": (238, 198, 92)},
        ),
        P(
            slug="sunscreen-lidah-buaya-spf35",
            title="Sunscreen Lidah Buaya SPF 35",
            category="skincare-serum",
            kind="serum",
            palette="pegagan",
            price=129_000,
            scheme=SERUM,
            description=(
                "Segera hadir: a light aloe vera sunscreen that leaves no white cast. Still waiting for its "
                "BPOM number."
            ),
            status="draft",
        ),
    ),
)

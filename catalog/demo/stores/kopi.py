"""Kopi Kintamani Lestari: specialty coffee from Bali and the rest of the archipelago."""

from catalog.demo.specs import (
    BEANS,
    BEANS_THREE_GRINDS,
    COLD_BREW,
    DRIP,
    GROUND,
    ONE,
    TUBRUK,
    P,
    Person,
    StoreSpec,
    colours,
)

KOPI = StoreSpec(
    slug="kopi-kintamani-lestari",
    name="Kopi Kintamani Lestari",
    owner=Person("kopikintamani", "Made", "Wirawan", email_name="kopi"),
    city="Kintamani, Bali",
    sku_prefix="KKL",
    initials="KL",
    motif="bean",
    palette="kintamani",
    description=(
        "Arabika dari lereng Gunung Batur, diproses oleh subak abian di Kintamani, Bali, dan disangrai tiap "
        "Senin dan Kamis.\n\nSpecialty coffee from the slopes of Mount Batur and from friends' farms across "
        "the archipelago. Roasted twice a week, shipped within two days of roasting."
    ),
    whatsapp="+6280000000202",
    footer="Roasted on Monday and Thursday; kami kirim maksimal dua hari setelah sangrai.",
    products=(
        P(
            slug="arabika-kintamani-natural",
            title="Arabika Kintamani Natural",
            category="coffee-beans",
            kind="coffee-bag",
            palette="kintamani",
            price=95_000,
            scheme=BEANS,
            description=(
                "Sun-dried whole cherries give this Kintamani a jammy body: strawberry, brown sugar and a "
                "citrus finish from the orange trees grown between the coffee. Medium roast."
            ),
            images=3,
        ),
        P(
            slug="arabika-kintamani-honey",
            title="Arabika Kintamani Honey Process",
            category="coffee-beans",
            kind="coffee-bag",
            palette="kunyit",
            price=105_000,
            scheme=BEANS,
            description=(
                "Pulped and dried with its sticky mucilage: sweet like gula aren, with notes of mango and "
                "jeruk Bali. Enak untuk V60 maupun tubruk."
            ),
            sale=15,
        ),
        P(
            slug="arabika-gayo-wine",
            title="Arabika Gayo Wine Process",
            category="coffee-beans",
            kind="coffee-bag",
            palette="marun",
            price=125_000,
            scheme=BEANS_THREE_GRINDS,
            description=(
                "From Aceh's Gayo highlands, fermented long in the cherry for a winey, boozy cup with dark "
                "chocolate underneath. Light-medium roast."
            ),
        ),
        P(
            slug="arabika-toraja-sapan",
            title="Arabika Toraja Sapan",
            category="coffee-beans",
            kind="coffee-bag",
            palette="kopi",
            price=110_000,
            scheme=BEANS,
            description=(
                "Grown at 1,600 m around Sapan in Tana Toraja. Full body, low acidity, cedar and caramel: "
                "kopi yang bersahabat untuk susu."
            ),
        ),
        P(
            slug="arabika-flores-bajawa",
            title="Arabika Flores Bajawa",
            category="coffee-beans",
            kind="coffee-bag",
            palette="terakota",
            price=98_000,
            scheme=BEANS,
            description="Volcanic soil near Bajawa gives a clean cup with roasted nuts, vanilla and a little spice.",
        ),
        P(
            slug="robusta-temanggung",
            title="Robusta Temanggung Fine",
            category="coffee-beans",
            kind="coffee-bag",
            palette="kopi",
            price=65_000,
            scheme=BEANS,
            description=(
                "Fine robusta, red-cherry picked and honey processed in Temanggung. Bold, chocolatey, strong "
                "enough for es kopi susu."
            ),
        ),
        P(
            slug="espresso-blend-subak",
            title="Espresso Blend Subak",
            category="coffee-beans",
            kind="coffee-bag",
            palette="hitam",
            price=85_000,
            scheme=BEANS,
            description=(
                "Our house blend: 70% Kintamani arabika, 30% Temanggung robusta. Thick crema, cocoa and "
                "caramel; dipakai di banyak kedai kopi di Denpasar."
            ),
            sale=10,
        ),
        P(
            slug="kopi-bubuk-tubruk-bali",
            title="Kopi Bubuk Tubruk Bali",
            category="coffee-ground",
            kind="coffee-bag",
            palette="terakota",
            price=45_000,
            scheme=TUBRUK,
            description=(
                "Kopi hitam khas Bali, finely ground for tubruk: pour over hot water, stir, wait four "
                "minutes, drink slowly."
            ),
        ),
        P(
            slug="kopi-bubuk-arabika-kintamani",
            title="Kopi Bubuk Arabika Kintamani",
            category="coffee-ground",
            kind="coffee-bag",
            palette="kintamani",
            price=85_000,
            scheme=GROUND,
            description="Our Kintamani natural, ground to order on roasting day and sealed with a one-way valve.",
        ),
        P(
            slug="drip-bag-kintamani",
            title="Drip Bag Kintamani",
            category="coffee-drip-bags",
            kind="drip-bags",
            palette="kintamani",
            price=55_000,
            scheme=DRIP,
            description=(
                "Single-serve drip bags, 12 g each: hang on a cup, pour 180 ml of hot water in three rounds. "
                "Praktis untuk kantor dan traveling."
            ),
        ),
        P(
            slug="drip-bag-sampler-nusantara",
            title="Drip Bag Sampler Nusantara",
            category="coffee-drip-bags",
            kind="drip-bags",
            palette="kopi",
            price=69_000,
            scheme=ONE,
            description=(
                "Eight drip bags, two each of Gayo, Toraja, Flores and Kintamani: a small coffee trip across Indonesia."
            ),
            images=2,
        ),
        P(
            slug="cold-brew-kintamani",
            title="Cold Brew Kintamani 250 ml",
            category="coffee-cold-brew",
            kind="bottle",
            palette="kopi",
            price=35_000,
            scheme=COLD_BREW,
            description=(
                "Steeped for 18 hours, no sugar, no milk. Simpan di kulkas, best within seven days. "
                "Pengiriman hanya untuk Bali."
            ),
            art={"liquid": (58, 32, 18)},
            max_stock=24,
        ),
        P(
            slug="dripper-v60-keramik",
            title="Dripper V60 Keramik Bali",
            category="coffee-alat-seduh",
            kind="dripper",
            palette="terakota",
            price=185_000,
            scheme=colours("Putih", "Hitam", "Terakota"),
            description=(
                "A cone dripper thrown by hand in Pejaten, Tabanan. Fits size 02 paper filters; each glaze "
                "turns out a little different."
            ),
        ),
        P(
            slug="kopi-edisi-galungan",
            title="Kopi Edisi Galungan",
            category="coffee-beans",
            kind="coffee-bag",
            palette="pesisir",
            price=120_000,
            scheme=BEANS,
            description="A festive micro-lot roasted for Galungan and Kuningan. Sudah habis musimnya.",
            status="archived",
        ),
    ),
)

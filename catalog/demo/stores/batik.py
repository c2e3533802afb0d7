"""Batik Sekar Jagad: batik cap and tulis from Laweyan, Solo."""

from catalog.demo.specs import (
    DRESS,
    ONE,
    SELLER_PASSWORD,
    SHIRT,
    SHIRT_KIDS,
    SHIRT_TULIS,
    SHIRT_WIDE,
    P,
    Person,
    StoreSpec,
    colours,
)

BATIK = StoreSpec(
    slug="batik-sekar-jagad",
    name="Batik Sekar Jagad",
    owner=Person("sekarjagad", "Sri", "Rahayu", SELLER_PASSWORD, email_name="seller"),
    city="Solo",
    sku_prefix="BSJ",
    initials="SJ",
    motif="batik",
    palette="indigo",
    description=(
        "Batik cap dan tulis dari Kampung Batik Laweyan, Solo, dibuat oleh keluarga kami sejak 1978.\n\n"
        "Hand-stamped and hand-drawn batik from Laweyan, Solo, made by one family since 1978. "
        "Natural soga dyes where we can, and every piece is washed twice before it ships."
    ),
    whatsapp="+6280000000101",
    footer="Dikirim dari Solo setiap hari kerja. Cuci dengan tangan, jangan diperas, jemur di tempat teduh.",
    products=(
        P(
            slug="kemeja-batik-parang-rusak-sogan",
            title="Kemeja Batik Parang Rusak Sogan",
            category="batik-kemeja",
            kind="shirt",
            palette="sogan",
            price=385_000,
            scheme=SHIRT,
            description=(
                "Parang Rusak, the diagonal 'broken blade' motif of the Mataram court, in warm soga brown. "
                "Katun primisima, lengan panjang, lined collar. Regular fit, cocok untuk kondangan maupun "
                "kantor."
            ),
            art={"style": "parang"},
            images=3,
        ),
        P(
            slug="kemeja-batik-kawung-indigo",
            title="Kemeja Batik Kawung Indigo Lengan Pendek",
            category="batik-kemeja",
            kind="shirt",
            palette="indigo",
            price=325_000,
            scheme=SHIRT,
            description=(
                "Kawung, the four-petal palm-fruit motif, stamped in deep indigo on soft cotton. Short "
                "sleeves for Jakarta weather; adem dipakai seharian."
            ),
            sale=20,
            art={"style": "kawung"},
        ),
        P(
            slug="kemeja-batik-truntum-lengan-panjang",
            title="Kemeja Batik Truntum Lengan Panjang",
            category="batik-kemeja",
            kind="shirt",
            palette="marun",
            price=425_000,
            scheme=SHIRT_WIDE,
            description=(
                "Truntum means 'to blossom again': a motif of small stars traditionally worn by the parents "
                "at a wedding. Maroon ground, katun prima, sizes up to XXL."
            ),
            art={"style": "truntum"},
        ),
        P(
            slug="kemeja-batik-tulis-sidomukti",
            title="Kemeja Batik Tulis Sidomukti",
            category="batik-kemeja",
            kind="shirt",
            palette="sogan",
            price=1_250_000,
            scheme=SHIRT_TULIS,
            description=(
                "Hand-drawn with a canting over three weeks, so no two shirts are alike. Sidomukti carries a "
                "wish for lasting prosperity. Stok sangat terbatas."
            ),
            art={"style": "ceplok"},
            max_stock=4,
        ),
        P(
            slug="kemeja-batik-mega-mendung",
            title="Kemeja Batik Mega Mendung Cirebon",
            category="batik-kemeja",
            kind="shirt",
            palette="indigo",
            price=345_000,
            scheme=SHIRT,
            description=(
                "The layered clouds of Cirebon in blue on blue. Sedang kosong: the next batch comes out of "
                "the dye vat in about two weeks."
            ),
            art={"style": "mega-mendung"},
            sold_out=True,
        ),
        P(
            slug="dress-batik-kawung-a-line",
            title="Dress Batik Kawung A-Line",
            category="batik-dress",
            kind="dress",
            palette="indigo",
            price=395_000,
            scheme=DRESS,
            description=(
                "An easy A-line dress in stamped kawung, with a self-tie belt and hidden side pockets. "
                "Panjang selutut, bahan katun rayon yang jatuh."
            ),
            sale=15,
            art={"style": "kawung"},
        ),
        P(
            slug="dress-batik-lereng-midi",
            title="Dress Batik Lereng Midi",
            category="batik-dress",
            kind="dress",
            palette="hijau",
            price=445_000,
            scheme=DRESS,
            description="Lereng stripes in forest green and gold, cut as a midi dress with short sleeves. Fully lined.",
            art={"style": "lereng"},
        ),
        P(
            slug="kain-batik-tulis-parang-barong",
            title="Kain Batik Tulis Parang Barong 2,5 m",
            category="batik-kain",
            kind="kain",
            palette="sogan",
            price=1_500_000,
            scheme=ONE,
            description=(
                "A full 2.5 x 1.05 m cloth, hand-drawn in the large Parang Barong once reserved for the "
                "Sultan. Untuk jarik, selendang, atau dijahit sendiri."
            ),
            art={"style": "parang"},
            max_stock=3,
        ),
        P(
            slug="kain-batik-cap-truntum",
            title="Kain Batik Cap Truntum 2 m",
            category="batik-kain",
            kind="kain",
            palette="marun",
            price=225_000,
            scheme=colours("Sogan", "Indigo", "Merah Marun"),
            description="Stamped truntum cloth, 2 x 1.10 m, ready to sew into a shirt or a dress. Warna tidak luntur.",
            art={"style": "truntum"},
        ),
        P(
            slug="kain-batik-lasem-tiga-negeri",
            title="Kain Batik Lasem Tiga Negeri",
            category="batik-kain",
            kind="kain",
            palette="pesisir",
            price=975_000,
            scheme=ONE,
            description=(
                "Batik from the north coast: red from Lasem, blue from Pekalongan, soga from Solo, hence "
                "'three countries'. Satu-satunya, tidak diproduksi ulang."
            ),
            art={"style": "ceplok"},
            max_stock=2,
        ),
        P(
            slug="selendang-batik-sutra-truntum",
            title="Selendang Batik Sutra Truntum",
            category="fashion-aksesoris",
            kind="scarf",
            palette="marun",
            price=285_000,
            scheme=colours("Merah Marun", "Biru Indigo"),
            description=(
                "A light silk shawl, 180 x 50 cm, with hand-rolled edges. Beautiful over a kebaya or a plain "
                "black dress."
            ),
            art={"style": "truntum"},
        ),
        P(
            slug="tote-bag-batik-ceplok",
            title="Tote Bag Batik Ceplok",
            category="fashion-aksesoris",
            kind="tote",
            palette="pesisir",
            price=95_000,
            scheme=ONE,
            description="Sturdy canvas tote faced with ceplok batik offcuts from our workshop. Muat laptop 14 inci.",
            sale=10,
            art={"style": "ceplok"},
        ),
        P(
            slug="kemeja-batik-anak-parang",
            title="Kemeja Batik Anak Parang Kecil",
            category="batik-kemeja",
            kind="shirt",
            palette="hijau",
            price=145_000,
            scheme=SHIRT_KIDS,
            description=(
                "The same parang as Bapak's shirt, sized for kids from 4 to 11. Kancing depan, mudah dipakai sendiri."
            ),
            art={"style": "parang"},
        ),
        P(
            slug="kemeja-batik-tulis-lasem-latohan",
            title="Kemeja Batik Tulis Lasem Latohan",
            category="batik-kemeja",
            kind="shirt",
            palette="pesisir",
            price=1_150_000,
            scheme=SHIRT_TULIS,
            description=(
                "Coming soon: a hand-drawn Lasem shirt with the latohan seaweed motif. Masih di tahap pewarnaan."
            ),
            status="draft",
            art={"style": "lereng"},
        ),
    ),
)

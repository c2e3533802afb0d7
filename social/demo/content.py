"""What the demo's people and stores post and say. Pure data, no database access.

Products are named by slug (``catalog/demo/stores/``); a post whose products were not
seeded (``seed_demo --products-per-store N``) or are not on sale is skipped. Each store's
first posts tag its first products, so even a small seed has posts from every store.
Captions mix Indonesian and English, as Indonesian small sellers write them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PostSpec:
    caption: str
    products: tuple[str, ...]  # slugs, tagged in this order
    days_ago: float  # when it was published, before the seed ran
    pictures: int = 1  # 1 to 4, taken from the tagged products' own pictures


@dataclass(frozen=True)
class ShopperPost:
    username: str
    spec: PostSpec


STORE_POSTS: dict[str, tuple[PostSpec, ...]] = {
    "batik-sekar-jagad": (
        PostSpec(
            "Parang Rusak dalam warna sogan, dibatik tangan di Laweyan. Motif para raja, sekarang untuk "
            "kondangan kamu 🤎 #batik #batiksolo #lokalpride",
            ("kemeja-batik-parang-rusak-sogan",),
            days_ago=19.5,
            pictures=3,
        ),
        PostSpec(
            "Kawung indigo, lengan pendek, adem dipakai seharian. Friday outfit sorted. #batik #ootd #kerjadikantor",
            ("kemeja-batik-kawung-indigo",),
            days_ago=12.2,
            pictures=2,
        ),
        PostSpec(
            "Truntum artinya cinta yang tumbuh lagi. Cocok buat lamaran 😉 Terima kasih @citra sudah kirim foto "
            "dari acaranya! #batiktulis #truntum #weddingbatik",
            ("kemeja-batik-truntum-lengan-panjang", "selendang-batik-sutra-truntum"),
            days_ago=6.4,
            pictures=2,
        ),
        PostSpec(
            "Behind the canting: satu kain Parang Barong butuh tiga bulan. Slow fashion, for real. "
            "#batiktulis #slowfashion #umkm",
            ("kain-batik-tulis-parang-barong", "kain-batik-lasem-tiga-negeri"),
            days_ago=3.1,
            pictures=4,
        ),
        PostSpec(
            "Dress Kawung A-line is back in M and L! Restock terbatas ya kak. #batik #ootdindo #lokalpride",
            ("dress-batik-kawung-a-line",),
            days_ago=1.2,
            pictures=2,
        ),
        PostSpec(
            "Kembaran sama si kecil? Kemeja Parang anak + tote bag Ceplok buat bawa bekal 🧺 #batikanak #family",
            ("kemeja-batik-anak-parang", "tote-bag-batik-ceplok"),
            days_ago=0.4,
            pictures=2,
        ),
    ),
    "kopi-kintamani-lestari": (
        PostSpec(
            "Roast day! Natural Kintamani keluar dari drum pagi ini: stroberi, gula merah, jeruk. "
            "Siap kirim Kamis. #kopi #specialtycoffee #kintamani",
            ("arabika-kintamani-natural",),
            days_ago=20.1,
            pictures=3,
        ),
        PostSpec(
            "Honey process = manis seperti gula aren. Seduh V60 15 g : 250 ml, 92°C. Share your recipe below ⬇️ "
            "#manualbrew #v60 #kopi",
            ("arabika-kintamani-honey", "dripper-v60-keramik"),
            days_ago=13.7,
            pictures=2,
        ),
        PostSpec(
            "Gayo Wine: fermentasi 30 hari, aroma anggur dan cokelat hitam. Limited lot, 40 kg saja. "
            "#kopigayo #specialtycoffee",
            ("arabika-gayo-wine",),
            days_ago=8.9,
            pictures=2,
        ),
        PostSpec(
            "Ngopi di jalan? Drip bag tinggal sobek, sangkutkan, tuang air panas. Kopi enak tanpa alat. "
            "#dripbag #kopi #travelcoffee",
            ("drip-bag-kintamani", "drip-bag-sampler-nusantara"),
            days_ago=4.3,
            pictures=2,
        ),
        PostSpec(
            "Cold brew Kintamani, diseduh 18 jam. Pagi-pagi dari kulkas langsung ke gelas ☕🧊 #coldbrew #kopi",
            ("cold-brew-kintamani",),
            days_ago=0.8,
            pictures=1,
        ),
    ),
    "jamu-glow": (
        PostSpec(
            "Temulawak + 10% niacinamide: resep nenek, formula lab. Cerah tanpa bikin kering. "
            "#skincarelokal #jamu #glowing",
            ("serum-temulawak-niacinamide",),
            days_ago=17.8,
            pictures=2,
        ),
        PostSpec(
            "Kulit lagi rewel? Pegagan (centella) menenangkan kemerahan. Patch test dulu ya. "
            "#skincarelokal #sensitiveskin",
            ("serum-pegagan-calming", "serum-temulawak-niacinamide"),
            days_ago=10.5,
            pictures=2,
        ),
        PostSpec(
            "Sunday reset: masker bengkoang & beras 15 menit, bilas, toner mawar. Self-care ala Jogja 🌸 "
            "#selfcare #skincarelokal",
            ("masker-bengkoang-beras", "toner-air-mawar"),
            days_ago=5.6,
            pictures=2,
        ),
        PostSpec(
            "Jamu kunyit asam dingin setelah olahraga. Seger! Diracik tiap pagi, tanpa pengawet. #jamu #sehat",
            ("jamu-kunyit-asam", "jamu-beras-kencur"),
            days_ago=2.2,
            pictures=2,
        ),
        PostSpec(
            "Lulur boreh Bali: hangat di kulit, wangi rempah. Cocok untuk musim hujan 🌧️ #bodycare #jamu",
            ("lulur-boreh-bali",),
            days_ago=0.6,
            pictures=1,
        ),
    ),
    "camilan-nusantara": (
        PostSpec(
            "Singkong balado level pedas yang bikin nagih 🌶️ Digoreng tiap pagi di Bandung. "
            "#camilan #pedas #jajananbandung",
            ("keripik-singkong-balado",),
            days_ago=18.3,
            pictures=2,
        ),
        PostSpec(
            "Keripik pisang coklat Lampung: renyah, manis, cocok teman nonton. Who else snacks during "
            "meetings? 🙋 #camilan #ngemil",
            ("keripik-pisang-coklat", "keripik-tempe-sagu-malang"),
            days_ago=11.1,
            pictures=2,
        ),
        PostSpec(
            "Makaroni bantat + basreng daun jeruk = paket begadang. Mahasiswa approved ✅ #pedas #camilan",
            ("makaroni-pedas", "basreng-stik-pedas"),
            days_ago=5.0,
            pictures=2,
        ),
        PostSpec(
            "Open PO kue kering: nastar Wisman, kastengel Edam, putri salju. Kirim mulai minggu depan! "
            "#kuekering #nastar #umkm",
            ("nastar-premium-wisman", "kastengel-keju-edam", "putri-salju-almond"),
            days_ago=1.6,
            pictures=3,
        ),
    ),
    "langkah-lokal-sneakers": (
        PostSpec(
            "Braga Low Off White, kanvas 12 oz, sol karet vulkanisir dijahit di Bandung. Your daily pair. "
            "#sneakerslokal #lokalpride #ootd",
            ("braga-low-canvas-off-white",),
            days_ago=16.6,
            pictures=3,
        ),
        PostSpec(
            "Navy or black? Braga Low Navy vs Dago High Hitam. Comment pilihan kamu 👇 #sneakerslokal #ootdindo",
            ("braga-low-canvas-navy", "dago-high-canvas-hitam"),
            days_ago=9.4,
            pictures=2,
        ),
        PostSpec(
            "Lari pagi di Dago bareng @gilang pakai Lari Pagi Runner. Ringan, empuk, ramah kantong. "
            "#running #sneakerslokal",
            ("lari-pagi-runner",),
            days_ago=4.8,
            pictures=2,
        ),
        PostSpec(
            "Weekend ke Tangkuban Perahu? Sandal gunung Citarum, grip mantap di jalur basah ⛰️ #hiking #lokalpride",
            ("citarum-sandal-gunung", "kaus-kaki-motif-tenun"),
            days_ago=2.7,
            pictures=2,
        ),
        PostSpec(
            "Sepatu kotor habis hujan? Shoe cleaner kit + tali waxed cotton baru, sepatu lama serasa baru ✨ "
            "#sneakercare",
            ("shoe-cleaner-kit", "tali-sepatu-waxed-cotton"),
            days_ago=0.3,
            pictures=2,
        ),
    ),
}

SHOPPER_POSTS: tuple[ShopperPost, ...] = (
    ShopperPost("ani", PostSpec(
        "Akhirnya kebeli juga kemeja Parang dari Batik Sekar Jagad. Kainnya halus banget 😍 #batik #haul",
        ("kemeja-batik-parang-rusak-sogan",), days_ago=15.2,
    )),
    ShopperPost("budi", PostSpec(
        "My morning ritual now: Kintamani Natural di V60. Thanks @ani for the recommendation! #kopi #manualbrew",
        ("arabika-kintamani-natural",), days_ago=14.0,
    )),
    ShopperPost("citra", PostSpec(
        "Lamaran kemarin pakai Truntum, semua keluarga nanya beli di mana 🤭 #batiktulis #weddingbatik",
        ("kemeja-batik-truntum-lengan-panjang",), days_ago=7.3,
    )),
    ShopperPost("dewi", PostSpec(
        "Two weeks with the temulawak serum: kulit lebih cerah, nggak bikin jerawat. Recommended! #skincarelokal",
        ("serum-temulawak-niacinamide",), days_ago=12.6,
    )),
    ShopperPost("eko", PostSpec(
        "Stok camilan lembur sudah aman 🌶️ Singkong balado ini bahaya, sekali buka langsung habis. #pedas #ngemil",
        ("keripik-singkong-balado",), days_ago=10.9,
    )),
    ShopperPost("fitri", PostSpec(
        "What I bought this month: pegagan serum + masker bengkoang. Budget skincare, hasil maksimal. "
        "#skincarelokal #haul",
        ("serum-pegagan-calming", "masker-bengkoang-beras"), days_ago=9.8,
    )),
    ShopperPost("gilang", PostSpec(
        "New shoes, new PR 🏃 Lari Pagi Runner dari Langkah Lokal. Ikut lari Minggu depan, @indra? #running",
        ("lari-pagi-runner",), days_ago=4.6,
    )),
    ShopperPost("hana", PostSpec(
        "OOTD kampus: Braga Low Off White + totebag batik. Simple tapi rapi. #ootdindo #sneakerslokal",
        ("braga-low-canvas-off-white", "tote-bag-batik-ceplok"), days_ago=8.2,
    )),
    ShopperPost("indra", PostSpec(
        "Honey process beans arrived two days after roasting. Fresh banget, bloom-nya cantik. #kopi #specialtycoffee",
        ("arabika-kintamani-honey",), days_ago=6.9,
    )),
    ShopperPost("joko", PostSpec(
        "Oleh-oleh buat ibu: keripik pisang coklat dan tempe sagu. Beliau langsung minta pesan lagi 😄 #camilan",
        ("keripik-pisang-coklat", "keripik-tempe-sagu-malang"), days_ago=5.4,
    )),
    ShopperPost("kartika", PostSpec(
        "Kawung indigo for Batik Friday. Adem, nggak gerah di KRL. #batik #ootd",
        ("kemeja-batik-kawung-indigo",), days_ago=3.6,
    )),
    ShopperPost("maya", PostSpec(
        "Drip bag di tas buat dinas luar kota. Kopi hotel, bye! ☕ #dripbag #travelcoffee",
        ("drip-bag-kintamani",), days_ago=2.9,
    )),
    ShopperPost("nanda", PostSpec(
        "Makaroni pedas buat nonton bola bareng @oki dan @taufik. Ludes sebelum babak kedua 😂 #pedas",
        ("makaroni-pedas",), days_ago=1.9,
    )),
    ShopperPost("putu", PostSpec(
        "Jamu kunyit asam dingin after yoga. Rasanya persis buatan nenek di Tabanan 💛 #jamu #sehat",
        ("jamu-kunyit-asam",), days_ago=1.1,
    )),
    ShopperPost("sinta", PostSpec(
        "Navy atau hitam? Aku pilih Braga Low Navy, cocok sama semua outfit. #sneakerslokal #ootdindo",
        ("braga-low-canvas-navy",), days_ago=0.5,
    )),
    ShopperPost("wulan", PostSpec(
        "Parcel kue kering sudah datang: nastar-nya lumer, kastengel-nya keju banget. #kuekering #nastar",
        ("nastar-premium-wisman", "kastengel-keju-edam"), days_ago=0.2,
    )),
)  # fmt: skip

# Comments anyone may leave, and what the post's author answers.
COMMENTS = (
    "Bagus banget! 😍",
    "Love this!",
    "Mau dong, masih ready kak?",
    "Keren, produk lokal makin mantap 🔥",
    "Sudah checkout, ditunggu paketnya ya",
    "Ini yang kemarin aku cari-cari!",
    "Where do you ship from?",
    "Kirim ke Makassar bisa?",
    "Langganan dari tahun lalu, kualitas konsisten 👍",
    "Saved for payday 😂",
    "Fotonya cakep, jadi pengen",
    "Recommended banget, sudah repeat order 3x",
)

STORE_COMMENTS = {
    "batik-sekar-jagad": ("Ada ukuran XL kak?", "Luntur nggak kalau dicuci?", "Motifnya elegan banget"),
    "kopi-kintamani-lestari": ("Cocok buat tubruk juga?", "Roast date-nya kapan kak?", "Aromanya juara"),
    "jamu-glow": ("Aman untuk kulit berjerawat?", "Sudah BPOM kak?", "Wanginya enak banget"),
    "camilan-nusantara": ("Level pedasnya berapa kak?", "Tahan berapa lama?", "Ini nagih parah"),
    "langkah-lokal-sneakers": ("Ukurannya true to size?", "Bisa COD Bandung?", "Solnya awet nggak?"),
}

STORE_REPLIES = (
    "Terima kasih kak! 🙏",
    "Ready kak, silakan checkout ya",
    "Bisa kak, kami kirim ke seluruh Indonesia",
    "Thank you for the support!",
    "Boleh kak, detailnya ada di halaman produk ya",
)

SHOPPER_REPLIES = (
    "Makasih! 😊",
    "Iya, recommended!",
    "Thank you!",
    "Cobain deh, nggak nyesel",
)

"""What the demo's shoppers ask and its sellers answer, in Indonesian, as people write in chats.

A conversation is (store slug, shopper username, what it was opened from, lines). A line is
("shopper" or "store", text); ("store", "/shortcut") sends that quick reply, filled in;
("store", "#order") sends the card of the shopper's latest order with the store. Conversations
whose product was not seeded (``seed_demo --products-per-store N``) open without a card.
"""

QUICK_REPLIES = (
    (
        "ready",
        "Halo kak {buyer_name}, ready ya kak 🙏 Silakan langsung diorder, "
        "dikirim hari ini kalau masuk sebelum jam 3 sore.",
    ),
    (
        "ongkir",
        "Ongkir menyesuaikan alamat ya kak, langsung terlihat di halaman checkout. "
        "Belanja di atas Rp500.000 gratis ongkir.",
    ),
    (
        "transfer",
        "Silakan transfer ke {bank_account} ya kak. Setelah transfer, "
        "bukti transfernya bisa diunggah di halaman pesanan ya.",
    ),
    (
        "resi",
        "Pesanan {order_number} sudah kami kirim ya kak, nomor resinya ada di halaman pesanan. "
        "Terima kasih sudah belanja 🙏",
    ),
    ("terima-kasih", "Terima kasih kak {buyer_name}! Ditunggu orderan berikutnya ya 😊"),
)

CONVERSATIONS = (
    (
        "batik-sekar-jagad",
        "ani",
        ("product", "kemeja-batik-parang-rusak-sogan"),
        (
            ("shopper", "Kak, kemeja ini ready ukuran M? Berat saya 60 kg, tinggi 165 cm, kira-kira muat?"),
            ("store", "Halo kak Ani, ukuran M ready kak. Lebar dada 104 cm, untuk 60 kg pas di badan, tidak ketat."),
            ("shopper", "Bahannya panas tidak kak kalau dipakai siang?"),
            ("store", "Katun primisima kak, adem dan menyerap keringat. Cocok untuk kondangan siang 😊"),
            ("shopper", "Oke kak, saya order sekarang ya"),
            ("store", "/ready"),
        ),
    ),
    (
        "batik-sekar-jagad",
        "budi",
        ("product", "kemeja-batik-kawung-indigo"),
        (("shopper", "Permisi kak, warna indigonya luntur tidak kalau dicuci mesin?"),),
    ),
    (
        "kopi-kintamani-lestari",
        "dewi",
        ("product", "arabika-kintamani-natural"),
        (
            ("shopper", "Kak, biji kopinya roasting kapan? Masih fresh?"),
            ("store", "Kami roasting tiap Senin dan Kamis kak, dikirim maksimal 3 hari setelah roasting."),
            ("shopper", "Bisa digiling untuk V60 sekalian?"),
            ("store", 'Bisa kak, tulis di catatan pesanan "giling medium-fine untuk V60" ya.'),
        ),
    ),
    (
        "batik-sekar-jagad",
        "citra",
        ("order", ""),
        (
            ("shopper", "Kak, pesanan saya sudah dikirim belum ya?"),
            ("store", "#order"),
            ("store", "/resi"),
            ("shopper", "Siap kak, terima kasih!"),
        ),
    ),
    (
        "jamu-glow",
        "eko",
        ("product", "serum-temulawak-niacinamide"),
        (
            ("shopper", "Serum ini aman untuk kulit berminyak dan berjerawat kak?"),
            ("store", "Aman kak, niacinamide 5% membantu mengontrol minyak. Pakai malam hari dulu 3x seminggu ya."),
            ("shopper", "Stoknya masih banyak? Mau ambil 3 untuk hadiah."),
        ),
    ),
    (
        "camilan-nusantara",
        "fitri",
        ("product", "keripik-singkong-balado"),
        (
            ("shopper", "Kak, kirim ke Makassar berapa hari? Ongkirnya berapa?"),
            ("store", "/ongkir"),
            ("store", "Ke Makassar biasanya 3-4 hari kerja kak, keripiknya dikemas dobel supaya tidak hancur."),
            ("shopper", "Oke kak, saya checkout sekarang. Transfer ke mana ya?"),
            ("store", "/transfer"),
        ),
    ),
    (
        "langkah-lokal-sneakers",
        "gilang",
        ("product", "braga-low-canvas-off-white"),
        (
            ("shopper", "Size 42 ukuran kakinya berapa cm kak? Biasanya saya pakai 42 di merek lain."),
            ("store", "Size 42 panjang insole 26,5 cm kak. Kalau kakinya lebar, saran kami naik setengah nomor."),
        ),
    ),
    (
        "langkah-lokal-sneakers",
        "hana",
        ("", ""),
        (
            ("shopper", "Halo kak, ada rencana restock warna hitam?"),
            ("store", "Ada kak, rencananya akhir bulan ini. Nanti kami kabari di sini ya 🙏"),
            ("shopper", "Ditunggu kak!"),
            ("store", "/terima-kasih"),
        ),
    ),
)

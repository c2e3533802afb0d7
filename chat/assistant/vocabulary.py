"""The assistant's words: chat shorthand and fillers (Indonesian and English), the words that
tell a message's language, the built-in topics with their phrases, and the stopwords left out
when a message is compared with a FAQ question. Data only; ``matching`` uses it."""

from __future__ import annotations

import re

_REPEATS = re.compile(r"([a-z])\1+")


def _words(text: str) -> list[str]:
    """The words of a list written as one string (easier to read and edit than a list)."""
    return text.split()


def collapse(word: str) -> str:
    """Runs of one letter as one letter: "readyyy" -> "ready", "kakkk" -> "kak"."""
    return _REPEATS.sub(r"\1", word)


# Shorthand and spelling variants -> the word they stand for (keys are written as typed; they
# are collapsed like the messages are). A value of several words expands to all of them.
_SHORTHAND = {
    "brp": "berapa",
    "brapa": "berapa",
    "brpa": "berapa",
    "berapaan": "berapa",
    "hrg": "harga",
    "hrga": "harga",
    "yg": "yang",
    "gk": "tidak",
    "ga": "tidak",
    "gak": "tidak",
    "nggak": "tidak",
    "ngga": "tidak",
    "enggak": "tidak",
    "engga": "tidak",
    "tdk": "tidak",
    "g": "tidak",
    "bs": "bisa",
    "bsa": "bisa",
    "udh": "sudah",
    "udah": "sudah",
    "sdh": "sudah",
    "blm": "belum",
    "blom": "belum",
    "dmn": "dimana",
    "kpn": "kapan",
    "gmn": "bagaimana",
    "gimana": "bagaimana",
    "sy": "saya",
    "aku": "saya",
    "gw": "saya",
    "gue": "saya",
    "tf": "transfer",
    "trf": "transfer",
    "rek": "rekening",
    "norek": "nomor rekening",
    "no": "nomor",
    "rdy": "ready",
    "redy": "ready",
    "stock": "stok",
    "stoknya": "stok",
    "avail": "available",
    "pesenan": "pesanan",
    "psn": "pesanan",
    "pesananku": "pesanan saya",
    "paketku": "paket saya",
    "ordernya": "order",
    "resinya": "resi",
    "ongkosnya": "ongkos",
    "dikirim": "kirim",
    "pengiriman": "kirim",
    "kirimnya": "kirim",
    "ngirim": "kirim",
    "pembayaran": "bayar",
    "pembayarannya": "bayar",
    "byr": "bayar",
    "ditempat": "di tempat",
    "operasional": "operasional",
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "p": "halo",
    "hallo": "halo",
    "helo": "halo",
    "hy": "hai",
    "assalamualaikum": "salam",
    "asalamualaikum": "salam",
    "askum": "salam",
    "min": "",  # "min" is "admin" used as a form of address: "min, ready?"
    "dll": "",
}
SHORTHAND = {collapse(key): tuple(value.split()) for key, value in _SHORTHAND.items()}

# Forms of address and particles that carry no meaning here.
FILLERS = frozenset(
    collapse(word)
    for word in _words(
        "kak kakak ka kk gan agan sis sist sista bang bro mbak mba mas om tante bund bunda ya yah dong deh sih "
        "nih kah lah aja saja please tolong mohon info infonya"
    )
)

# Words that say which language a message is in (checked before fillers are dropped).
INDONESIAN = frozenset(
    _words(
        "berapa brp apa apakah yang yg tidak gak ga bisa bs ada sudah udah belum saya aku mau dong kak gan sis "
        "ongkir kirim pesanan harga stok masih kapan mana dimana gimana bagaimana ya aja buka tutup bayar halo "
        "pagi siang sore malam terima kasih makasih resi barang nya tolong mohon"
    )
)
ENGLISH = frozenset(
    _words(
        "what how much is the do you does where my order shipping can i when open please hello hi price stock "
        "available pay payment delivery free cost are there any have hours thanks"
    )
)


# --- Built-in topics -------------------------------------------------------------------------

HUMAN, ORDER, FINDER, COD, SHIPPING, PAYMENT, HOURS, STOCK, PRICE, GREETING = (
    "human",
    "order",
    "finder",
    "cod",
    "shipping",
    "payment",
    "hours",
    "stock",
    "price",
    "greeting",
)
# Earlier wins a tie.
TOPIC_ORDER = (HUMAN, ORDER, FINDER, COD, SHIPPING, PAYMENT, HOURS, STOCK, PRICE, GREETING)
TOPIC_PHRASE_TEXTS = {
    HUMAN: (
        "admin, cs, customer service, manusia, orang asli, bicara dengan orang, sama orang, human, agent, "
        "person, real person, operator, live agent, talk to someone"
    ),
    ORDER: (
        "resi, nomor resi, cek resi, lacak, lacak paket, tracking, tracking number, track, awb, where is my order, "
        "my order, order status, status pesanan, pesanan saya, paket saya, pesanan, kapan sampai, belum sampai, "
        "sudah kirim, kapan kirim, parcel"
    ),
    FINDER: (
        "bantu pilih, bantu cari, bantu carikan, carikan, pilihkan, rekomendasi, rekomendasikan, cari produk, "
        "help me choose, help me find, recommend, recommendation, find me something"
    ),
    COD: "cod, bayar di tempat, cash on delivery, pay on delivery",
    SHIPPING: (
        "ongkir, ongkos kirim, biaya kirim, ongkos, shipping, shipping cost, shipping fee, delivery fee, "
        "delivery cost, postage, gratis ongkir, free ongkir, free shipping, kirim berapa, berapa kirim, ship"
    ),
    PAYMENT: (
        "bayar, cara bayar, metode bayar, payment, payment method, pay, transfer, rekening, nomor rekening, "
        "bank, virtual account, kartu kredit, credit card, card"
    ),
    HOURS: (
        "jam buka, jam operasional, buka jam, tutup jam, buka, tutup, libur, opening hours, open, close, closed, "
        "hours, business hours, when do you open"
    ),
    STOCK: (
        "ready, ready stok, stok, ada stok, masih ada, tersedia, habis, sisa, available, in stok, still available, "
        "sold out, sisa berapa"
    ),
    PRICE: "harga, berapa, berapa harga, price, how much, cost",
    GREETING: (
        "halo, hai, hi, hello, hey, pagi, selamat pagi, siang, selamat siang, sore, selamat sore, malam, "
        "selamat malam, permisi, salam, good morning, good afternoon, good evening"
    ),
}


# Left out when comparing a message with a FAQ question word by word.
STOPWORDS = frozenset(
    _words(
        "apa apakah yang ini itu ada dan di ke dari untuk dengan atau saya bisa tidak berapa kapan mana dimana "
        "bagaimana the a an is are do does you i my me can to of for in on and or what how when where which "
        "your it be"
    )
)

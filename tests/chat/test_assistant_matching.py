"""What the assistant makes of a shopper's message: Indonesian and English, chat shorthand,
case and spelling slack, the store's own FAQ and the built-in topics."""

import pytest

from chat.assistant import matching

FAQ = matching.compile_faq(
    [
        (1, "Bahannya apa?", "bahan, material, kain"),
        (2, "Bisa custom ukuran?", "custom, ukuran custom, made to measure"),
        (3, "Kirim ke luar negeri?", "luar negeri, international, overseas"),
        (4, "Ada garansi?", "garansi, warranty, guarantee"),
    ]
)

# (message, the action it must lead to: a built-in topic, "faq:<id>", or "" for none)
TABLE = [
    # Shipping: the store's rate and free-shipping threshold.
    ("brp ongkir ke jakarta kak?", "shipping"),
    ("Ongkirnya brapa gan", "shipping"),
    ("ONGKIR???", "shipping"),
    ("ongkos kirim ke bandung berapa", "shipping"),
    ("how much is shipping", "shipping"),
    ("What's the shipping cost to Surabaya?", "shipping"),
    ("gratis ongkir ga?", "shipping"),
    ("free shipping?", "shipping"),
    # Cash on delivery.
    ("cod bisa?", "cod"),
    ("bisa COD ga sis", "cod"),
    ("bs bayar di tempat?", "cod"),
    ("hello is cash on delivery possible", "cod"),
    # Payment methods.
    ("bayar pakai apa?", "payment"),
    ("bisa tf bca?", "payment"),
    ("can I pay by transfer", "payment"),
    ("payment method apa aja", "payment"),
    # Opening hours.
    ("jam buka toko?", "hours"),
    ("besok libur gak?", "hours"),
    ("what are your opening hours", "hours"),
    # Stock of the conversation's product.
    ("ready?", "stock"),
    ("readyyy kak", "stock"),
    ("Ready gan??", "stock"),
    ("masih ada stok?", "stock"),
    ("stoknya masih ada ga", "stock"),
    ("Is it still available?", "stock"),
    ("udah habis ya?", "stock"),
    # Price of the conversation's product.
    ("brp kak?", "price"),
    ("how much?", "price"),
    # Order status: words or an order number.
    ("resi dong", "order"),
    ("no resi pesanan saya?", "order"),
    ("where is my order", "order"),
    ("pesanan saya kapan sampai?", "order"),
    ("tracking number please", "order"),
    ("ET240101-ABCDEF sudah dikirim?", "order"),
    ("et240101-abcdef", "order"),
    # A person, whatever else the message says.
    ("mau ngomong sama admin", "human"),
    ("CS please", "human"),
    ("manusia dong", "human"),
    ("ongkir brp? mau tanya admin aja", "human"),
    ("can I talk to a real person", "human"),
    # The store's own answers, in either language and with slack.
    ("bahannya apa kak", "faq:1"),
    ("Bahan nya apa ya?", "faq:1"),
    ("what material is it made of", "faq:1"),
    ("bisa custom ukuran?", "faq:2"),
    ("bisa custm ukuran?", "faq:2"),
    ("do you ship overseas?", "faq:3"),
    ("kirim ke luar negeri bisa?", "faq:3"),
    ("ada garansinya?", "faq:4"),
    ("any warranty?", "faq:4"),
    # A greeting alone; and what it cannot answer.
    ("halo kak", "greeting"),
    ("P", "greeting"),
    ("Selamat pagiii", "greeting"),
    ("warna merah ada?", ""),
    ("bisa nego?", ""),
    ("👍👍", ""),
]


@pytest.mark.parametrize(("text", "action"), TABLE)
def test_each_message_leads_to_its_action(text, action):
    # when
    understood = matching.understand(text, faq=FAQ)

    # then
    got = f"faq:{understood.faq_id}" if understood.topic == "faq" else understood.topic
    assert got == action
    if action == "order" and "ET" in text.upper():
        assert understood.order_number == "ET240101-ABCDEF"


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Readyyy KAK!!! 😍", ["ready"]),
        ("brp ongkirnya gan?", ["berapa", "ongkir"]),
        ("yg merah gk ada?", ["yang", "merah", "tidak", "ada"]),
        ("Café crème", ["cafe", "creme"]),
    ],
)
def test_the_normaliser_lowercases_strips_and_expands_shorthand(text, tokens):
    assert matching.normalise(text) == tokens


@pytest.mark.parametrize(
    ("text", "language"),
    [("brp ongkir kak", "id"), ("how much is shipping", "en"), ("ok", None)],
)
def test_the_language_of_a_message(text, language):
    assert matching.understand(text).language == language


def test_a_store_without_faq_entries_still_answers_the_built_in_topics():
    empty = matching.compile_faq([])
    assert matching.understand("ongkir?", faq=empty).topic == "shipping"
    assert matching.understand("bahannya apa", faq=empty).topic == ""

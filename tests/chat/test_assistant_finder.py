"""The guided finder: the store's questions with answers to tap, ending in product cards; a
product sold out in the shopper's choice comes with in-stock alternatives."""

import pytest
from django.urls import reverse

from chat.assistant.models import AssistantState, FinderChoice, FinderQuestion
from tests.chat.assistant_helpers import ask, assistant_chat, assistant_store
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    """A store with shirts and dresses in sizes, and a finder: what, which size, which budget."""
    store = assistant_store()
    shirts, dresses = CategoryFactory(name="Kemeja"), CategoryFactory(name="Dress")
    what = FinderQuestion.objects.create(store=store, position=1, text="Cari apa, kak?", kind="category")
    FinderChoice.objects.create(question=what, position=1, label="Kemeja", category=shirts)
    FinderChoice.objects.create(question=what, position=2, label="Dress", category=dresses)
    size = FinderQuestion.objects.create(store=store, position=2, text="Ukuran?", kind="option", option_name="Size")
    for position, label in enumerate(["S", "M", "L"]):
        FinderChoice.objects.create(question=size, position=position, label=label, option_value=label)
    budget = FinderQuestion.objects.create(store=store, position=3, text="Budget?", kind="price")
    FinderChoice.objects.create(question=budget, position=1, label="Di bawah Rp200.000", max_price=19_999_999)
    FinderChoice.objects.create(question=budget, position=2, label="Rp200.000 ke atas", min_price=20_000_000)

    def product(title, category, price, stocks):
        made = ProductFactory(store=store, title=title, category=category)
        for size_label, stock in stocks.items():
            VariantFactory(product=made, options={"Size": size_label}, price=price, stock=stock)
        return made

    return {
        "store": store,
        "parang": product("Kemeja Parang", shirts, 15_000_000, {"M": 2, "L": 0}),
        "kawung": product("Kemeja Kawung", shirts, 17_500_000, {"S": 0, "M": 0}),
        "mega": product("Kemeja Mega Mendung", shirts, 16_000_000, {"S": 4}),
        "truntum": product("Kemeja Truntum", shirts, 30_000_000, {"S": 1}),
        "dress": product("Dress Sogan", dresses, 15_500_000, {"S": 5}),
    }


def test_the_finder_asks_its_questions_and_ends_with_product_cards(shop, client, django_capture_on_commit_callbacks):
    # given
    chat = assistant_chat(shop["store"])

    # when the shopper asks for help and taps the answers
    (question,) = ask(chat, "bantu pilih dong kak", django_capture_on_commit_callbacks)
    second = ask(chat, "Kemeja", django_capture_on_commit_callbacks)
    third = ask(chat, "m", django_capture_on_commit_callbacks)  # typed by hand, lower case
    found = ask(chat, "Di bawah Rp200.000", django_capture_on_commit_callbacks)

    # then
    assert question.kind == "choices" and question.body == "Cari apa, kak?"
    assert [choice["label"] for choice in question.data["choices"]] == ["Kemeja", "Dress"]
    assert [m.body for m in second] == ["Ukuran?"] and [m.body for m in third] == ["Budget?"]
    assert found[0].body == "Ini yang cocok dengan jawaban Anda:"  # in the language the finder was asked in
    assert [(m.kind, m.product_id) for m in found[1:]] == [("product", shop["parang"].pk)]
    assert AssistantState.objects.get(conversation=chat).finder == {}

    # and the thread shows the answers as buttons for the shopper
    client.force_login(chat.shopper)
    page = client.get(reverse("chat:thread", kwargs={"pk": chat.pk}))
    assert f'value="choice-{question.pk}-{question.data["choices"][0]["id"]}"' in page.text


def test_a_product_sold_out_in_the_choice_comes_with_in_stock_alternatives(shop, django_capture_on_commit_callbacks):
    # given: only the Kawung shirt comes in M under Rp200.000 besides the Parang, which sells out
    shop["parang"].variants.update(stock=0)
    chat = assistant_chat(shop["store"])

    # when
    for text in ("bantu pilih", "Kemeja", "M"):
        ask(chat, text, django_capture_on_commit_callbacks)
    found = ask(chat, "1", django_capture_on_commit_callbacks)  # the first answer, by its number

    # then: the same category, near the price, in stock (not the dress, not the Rp300.000 shirt)
    assert "is sold out in that choice" in found[0].body
    assert [m.product_id for m in found[1:]] == [shop["mega"].pk]


def test_a_message_that_is_no_answer_ends_the_finder_and_is_understood_as_usual(
    shop, django_capture_on_commit_callbacks
):
    chat = assistant_chat(shop["store"])
    ask(chat, "help me choose", django_capture_on_commit_callbacks)
    (answer,) = ask(chat, "ongkir brp?", django_capture_on_commit_callbacks)
    assert answer.data["assistant"] == "shipping"
    assert AssistantState.objects.get(conversation=chat).finder == {}


def test_no_finder_without_two_questions(django_capture_on_commit_callbacks):
    store = assistant_store()
    one = FinderQuestion.objects.create(store=store, text="Cari apa?", kind="category")
    FinderChoice.objects.create(question=one, label="Kemeja")
    chat = assistant_chat(store)
    assert ask(chat, "bantu pilih", django_capture_on_commit_callbacks) == []


def test_the_seller_sets_up_finder_questions_in_the_back_office_four_at_most(client):
    # given
    from tests.admin_helpers import admin_url

    store = assistant_store()
    client.force_login(store.owner)
    shirts = CategoryFactory(name="Kemeja")

    def add(text, kind, **choice):
        data = {
            "position": 1,
            "text": text,
            "kind": kind,
            "option_name": choice.pop("option_name", ""),
            "choices-TOTAL_FORMS": 1,
            "choices-INITIAL_FORMS": 0,
            "choices-MIN_NUM_FORMS": 0,
            "choices-MAX_NUM_FORMS": 12,
            **{f"choices-0-{name}": value for name, value in {"position": 1, **choice}.items()},
        }
        return client.post(admin_url(FinderQuestion, "add"), data)

    # when
    created = add("Cari apa?", "category", label="Kemeja", category=shirts.pk)
    no_option_name = add("Ukuran?", "option", label="M", option_value="M")
    for number in range(3):
        add(f"Budget {number}?", "price", label="Murah", max_price=10_000_000)
    fifth = add("Satu lagi?", "price", label="Mahal", min_price=10_000_000)

    # then
    assert created.status_code == 302
    question = FinderQuestion.objects.filter(store=store).order_by("id").first()
    assert question.choices.get().category == shirts
    assert no_option_name.status_code == 200 and "Name the option" in no_option_name.text
    assert FinderQuestion.objects.filter(store=store).count() == 4
    assert fifth.status_code == 200 and "at most 4 questions" in fifth.text

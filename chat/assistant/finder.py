"""The guided finder: a store's two to four questions over its catalog (a category, an option
such as the size, a price band), each with answers to tap, ending in product cards, as H&M's
chat stylist did. A product sold out in the shopper's choice comes with in-stock alternatives:
the same category, the nearest prices.

A tap is an ordinary message from the shopper (the answer's label, sent by the button's form or
over the API like any message, with a client id made from the question's message and the
answer, so a double tap sends once); the assistant's task reads it as the answer to the
question under way (``AssistantState.finder``). A message that is no answer ends the finder
and is understood as usual. Called with the conversation's row lock held.
"""

from __future__ import annotations

from django.db.models import F, Func, Q
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from catalog.models import Product, ProductVariant
from chat.assistant import matching
from chat.assistant.models import (
    FINDER_QUESTIONS_MAX,
    FINDER_QUESTIONS_MIN,
    AssistantState,
    FinderChoice,
    FinderQuestion,
)
from chat.models import Conversation, Message
from chat.services import cards

RESULTS = 3
ALTERNATIVES = 3
# Alternatives cost within this share of the sold-out product's price.
NEAR_PRICE = 0.3
LABEL_SCORE = 85


def questions_of(store_id: int) -> list[FinderQuestion]:
    return list(FinderQuestion.objects.filter(store_id=store_id).prefetch_related("choices").order_by("position", "id"))


def offered(store_id: int) -> bool:
    """Whether the store's finder is set up: two to four questions, each with an answer."""
    questions = questions_of(store_id)
    return FINDER_QUESTIONS_MIN <= len(questions) <= FINDER_QUESTIONS_MAX and all(
        question.choices.all() for question in questions
    )


def start(conversation: Conversation, state: AssistantState, *, language: str) -> list[Message]:
    """Ask the store's first question (``language``: the one the answers are written in)."""
    from chat.assistant import replies

    questions = questions_of(conversation.store_id)
    if not FINDER_QUESTIONS_MIN <= len(questions) <= FINDER_QUESTIONS_MAX:
        return []
    state.finder = {"question": questions[0].pk, "picked": [], "language": language}
    state.save(update_fields=["finder"])
    return [ask(conversation, questions[0], replies=replies)]


def ask(conversation: Conversation, question: FinderQuestion, *, replies) -> Message:
    choices = [{"id": choice.pk, "label": choice.label} for choice in question.choices.all()]
    card = cards.Card(data={"question": question.pk, "choices": choices})
    return replies.post(conversation, body=question.text, kind=Message.Kind.CHOICES, card=card, topic="finder")


def _picked_choice(question: FinderQuestion, text: str) -> FinderChoice | None:
    """The answer of ``question`` that ``text`` is: its label (with slack) or its number."""
    choices = list(question.choices.all())
    wanted = " ".join(matching.normalise(text))
    if wanted.isdigit() and 1 <= int(wanted) <= len(choices):
        return choices[int(wanted) - 1]
    best, best_score = None, 0.0
    for choice in choices:
        label = " ".join(matching.normalise(choice.label))
        score = 100.0 if label == wanted else fuzz.ratio(label, wanted)
        if score > best_score:
            best, best_score = choice, score
    return best if best_score >= LABEL_SCORE else None


def take_answer(conversation: Conversation, state: AssistantState, text: str) -> list[Message] | None:
    """The shopper's answer to the finder's question under way: the next question, or the
    results after the last. None when ``text`` is no answer (the finder ends)."""
    from chat.assistant import replies

    questions = questions_of(conversation.store_id)
    current = next((question for question in questions if question.pk == state.finder.get("question")), None)
    choice = _picked_choice(current, text) if current is not None else None
    if choice is None:
        state.finder = {}
        state.save(update_fields=["finder"])
        return None
    picked = [*state.finder.get("picked", []), choice.pk]
    following = questions[questions.index(current) + 1 :]
    if following:
        state.finder = {**state.finder, "question": following[0].pk, "picked": picked}
        state.save(update_fields=["finder"])
        return [ask(conversation, following[0], replies=replies)]
    state.finder = {}
    state.save(update_fields=["finder"])
    chosen = list(FinderChoice.objects.filter(pk__in=picked).select_related("question"))
    return results(conversation, chosen, replies=replies)


def matching_variants(store_id: int, chosen: list[FinderChoice], *, limit: int = 200) -> list[ProductVariant]:
    """The store's active variants that fit every answer, cheapest first (at most ``limit``).
    Category and price are filtered by the database; an option's value (``{"Size": "M"}``) is
    compared here, the same on SQLite and PostgreSQL."""
    variants = ProductVariant.objects.filter(
        product__store_id=store_id, product__status=Product.Status.ACTIVE
    ).select_related("product")
    options: dict[str, str] = {}
    for choice in chosen:
        kind = choice.question.kind
        if kind == FinderQuestion.Kind.CATEGORY and choice.category_id:
            variants = variants.filter(
                Q(product__category_id=choice.category_id) | Q(product__category__parent_id=choice.category_id)
            )
        elif kind == FinderQuestion.Kind.OPTION and choice.question.option_name:
            options[choice.question.option_name] = choice.option_value
        elif kind == FinderQuestion.Kind.PRICE:
            if choice.min_price is not None:
                variants = variants.filter(price__gte=choice.min_price)
            if choice.max_price is not None:
                variants = variants.filter(price__lte=choice.max_price)
    found = []
    for variant in variants.order_by("price", "id").iterator(chunk_size=500):
        if all(str((variant.options or {}).get(name, "")) == value for name, value in options.items()):
            found.append(variant)
            if len(found) == limit:
                break
    return found


def alternatives(product: Product, price: int, *, limit: int = ALTERNATIVES) -> list[ProductVariant]:
    """In-stock variants of other products of the store in the same category, nearest in price
    (within ``NEAR_PRICE``), one per product."""
    spread = int(price * NEAR_PRICE)
    nearby = (
        ProductVariant.objects.filter(
            product__store_id=product.store_id,
            product__status=Product.Status.ACTIVE,
            product__category_id=product.category_id,
            stock__gt=0,
            price__gte=price - spread,
            price__lte=price + spread,
        )
        .exclude(product=product)
        .select_related("product")
        .annotate(distance=Func(F("price") - price, function="ABS"))
        .order_by("distance", "id")[:50]
    )
    found, seen = [], set()
    for variant in nearby:
        if variant.product_id not in seen:
            seen.add(variant.product_id)
            found.append(variant)
        if len(found) == limit:
            break
    return found


def _card_message(conversation: Conversation, variant: ProductVariant, *, replies) -> Message:
    card = cards.product_card(store=conversation.store, product=variant.product, variant=variant)
    return replies.post(conversation, kind=Message.Kind.PRODUCT, card=card, topic="finder")


def results(conversation: Conversation, chosen: list[FinderChoice], *, replies) -> list[Message]:
    """Product cards for the shopper's answers: in stock first; a product sold out in that
    choice is said so, with in-stock alternatives."""
    by_product: dict[int, list[ProductVariant]] = {}
    for variant in matching_variants(conversation.store_id, chosen):
        by_product.setdefault(variant.product_id, []).append(variant)
    in_stock = [
        next(v for v in variants if v.stock > 0)
        for variants in by_product.values()
        if any(v.stock > 0 for v in variants)
    ]
    sold_out = [variants[0] for variants in by_product.values() if not any(v.stock > 0 for v in variants)]
    sent: list[Message] = []
    if in_stock:
        sent.append(replies.post(conversation, body=_("Here is what matches your answers:"), topic="finder"))
        sent.extend(_card_message(conversation, variant, replies=replies) for variant in in_stock[:RESULTS])
        return sent
    if sold_out:
        missing = sold_out[0]
        others = alternatives(missing.product, missing.price)
        if others:
            sent.append(
                replies.post(
                    conversation,
                    body=_("%(product)s is sold out in that choice. In stock and close to it:")
                    % {"product": missing.product.title},
                    topic="finder",
                )
            )
            sent.extend(_card_message(conversation, variant, replies=replies) for variant in others)
            return sent
    sent.append(
        replies.post(
            conversation,
            body=_("Nothing in stock matches all your answers. Ask us here and a person will help."),
            topic="finder",
        )
    )
    return sent

"""Understanding a shopper's message: a normaliser for Indonesian and English chat, the built-in
topics (shipping, COD, payment, hours, stock, order status, a person, a greeting) and the
store's own FAQ entries, matched with slack for case, spelling and shorthand.

The normaliser lowercases, strips accents, punctuation and emoji, collapses repeated letters
("readyyy", "kakkk"), drops the "-nya" ending, expands shorthand ("brp" -> "berapa",
"gk" -> "tidak") and drops fillers ("kak", "gan", "sis"). Phrases (topics and FAQ keywords) go
through the same normaliser, so both sides meet in one vocabulary. A word of four letters or
more also matches a word within a small edit distance ("ongkr", "pengirimn").

A store's FAQ is compiled once into an index (each keyword phrase as tokens, and an inverted
index token -> entries) and kept in the Django cache until the FAQ changes
(``faq_index``/``forget_faq_index``); a message then costs a few dictionary look-ups plus a
fuzzy look-up of its unknown words in the store's vocabulary, however many entries there are.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.core.cache import cache
from rapidfuzz import fuzz, process

from chat.assistant.vocabulary import (  # noqa: F401 (callers name the topics matching.X)
    COD,
    ENGLISH,
    FILLERS,
    FINDER,
    GREETING,
    HOURS,
    HUMAN,
    INDONESIAN,
    ORDER,
    PAYMENT,
    PRICE,
    SHIPPING,
    SHORTHAND,
    STOCK,
    STOPWORDS,
    TOPIC_ORDER,
    TOPIC_PHRASE_TEXTS,
    collapse,
)

# A word of at least this many letters also matches a word this similar (0-100).
FUZZY_MIN_LENGTH = 4
FUZZY_SCORE = 80
# A FAQ entry matched only through its question needs this share of the question's words.
QUESTION_OVERLAP = 0.6
FAQ_CACHE_SECONDS = 24 * 60 * 60

ORDER_NUMBER = re.compile(r"\bET\d{6}-[A-Z0-9]{6}\b", re.IGNORECASE)
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalise_words(text: str) -> tuple[list[str], list[str]]:
    """``(tokens, raw words)`` of ``text``: the tokens as described above, and the words
    before shorthand and fillers (for telling the language)."""
    text = unicodedata.normalize("NFKD", (text or "").lower())
    text = "".join(char for char in text if not unicodedata.combining(char))
    words = _NOT_WORD.sub(" ", text).split()
    tokens: list[str] = []
    for raw in words:
        word = collapse(raw)
        if word in SHORTHAND:
            tokens.extend(SHORTHAND[word])
            continue
        if len(word) > 5 and word.endswith("nya"):
            word = word[:-3]
            if word in SHORTHAND:
                tokens.extend(SHORTHAND[word])
                continue
        if word in FILLERS:
            continue
        tokens.append(word)
    return tokens, words


def normalise(text: str) -> list[str]:
    return normalise_words(text)[0]


def language_of(words: list[str]) -> str | None:
    """``"id"``, ``"en"``, or None when the words do not tell."""
    indonesian = sum(word in INDONESIAN for word in words)
    english = sum(word in ENGLISH for word in words)
    if indonesian > english:
        return "id"
    if english > indonesian:
        return "en"
    return None


# --- Built-in topics -------------------------------------------------------------------------


def phrases(text: str) -> list[tuple[str, ...]]:
    """Comma-separated phrases, each normalised to its tokens (empty ones left out)."""
    found = []
    for phrase in text.split(","):
        tokens = tuple(normalise(phrase))
        if tokens and tokens not in found:
            found.append(tokens)
    return found


TOPIC_PHRASES = {topic: phrases(text) for topic, text in TOPIC_PHRASE_TEXTS.items()}
TOPIC_VOCABULARY = sorted({token for topic in TOPIC_PHRASES.values() for phrase in topic for token in phrase})


def similar_words(token: str, vocabulary: list[str]) -> set[str]:
    """Words of ``vocabulary`` that ``token`` may be a misspelling of (itself if it is one)."""
    if len(token) < FUZZY_MIN_LENGTH:
        return set()
    return {
        word
        for word, _score, _index in process.extract(
            token, vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_SCORE, limit=3
        )
        if len(word) >= FUZZY_MIN_LENGTH
    }


def _spelled(tokens: list[str], vocabulary: list[str], known: set[str] | frozenset[str]) -> list[set[str]]:
    """For each token, the words it may stand for: itself, and known words it is close to."""
    spelled = []
    for token in tokens:
        options = {token}
        if token not in known:
            options |= similar_words(token, vocabulary)
        spelled.append(options)
    return spelled


def _contains(spelled: list[set[str]], phrase: tuple[str, ...]) -> bool:
    """Whether the phrase's tokens appear in a row in the message."""
    size = len(phrase)
    for start in range(len(spelled) - size + 1):
        if all(phrase[offset] in spelled[start + offset] for offset in range(size)):
            return True
    return False


_TOPIC_KNOWN = frozenset(TOPIC_VOCABULARY)


def topic_scores(spelled: list[set[str]]) -> dict[str, int]:
    """Each built-in topic found in the message, scored by its longest phrase found."""
    words = set().union(*spelled)
    scores = {}
    for topic in TOPIC_ORDER:
        best = max(
            (len(phrase) for phrase in TOPIC_PHRASES[topic] if words.issuperset(phrase) and _contains(spelled, phrase)),
            default=0,
        )
        if best:
            scores[topic] = best
    return scores


# --- A store's FAQ ---------------------------------------------------------------------------


@dataclass
class FaqIndex:
    """A store's FAQ compiled for matching. Plain strings, lists and dicts, which the cache
    unpickles fast: an entry's keyword phrases are one string (phrases split by "|", words by
    spaces), its question's content words another; they are split only for the candidates."""

    # Per entry: (id, keyword phrases, question's content words).
    entries: list[tuple[int, str, str]] = field(default_factory=list)
    # token -> positions in ``entries`` whose keywords or question use it.
    postings: dict[str, list[int]] = field(default_factory=dict)
    vocabulary: list[str] = field(default_factory=list)


def compile_faq(rows) -> FaqIndex:
    """``rows``: ``(id, question, keywords)`` of a store's entries."""
    index = FaqIndex()
    postings: dict[str, set[int]] = {}
    for position, (entry_id, question, keywords) in enumerate(rows):
        keyword_phrases = phrases(keywords)
        content = sorted({token for token in normalise(question) if token not in STOPWORDS})
        index.entries.append((entry_id, "|".join(" ".join(phrase) for phrase in keyword_phrases), " ".join(content)))
        for token in set(content).union(*keyword_phrases):
            postings.setdefault(token, set()).add(position)
    index.postings = {token: sorted(positions) for token, positions in postings.items()}
    index.vocabulary = sorted(postings)
    return index


def _faq_key(store_id: int) -> str:
    return f"chat:assistant:faq:{store_id}"


def faq_index(store_id: int) -> FaqIndex:
    """The store's compiled FAQ, from the cache or compiled now (one query) and cached."""
    from chat.assistant.models import FaqEntry

    index = cache.get(_faq_key(store_id))
    if not isinstance(index, FaqIndex):
        rows = FaqEntry.objects.filter(store_id=store_id).order_by("id").values_list("id", "question", "keywords")
        index = compile_faq(rows)
        cache.set(_faq_key(store_id), index, FAQ_CACHE_SECONDS)
    return index


def forget_faq_index(store_id: int) -> None:
    """Called by every write to a store's FAQ (``chat.assistant.services``)."""
    cache.delete(_faq_key(store_id))


def faq_match(index: FaqIndex, tokens: list[str]) -> tuple[int, float] | None:
    """``(entry id, score)`` of the entry the message matches best, or None. A keyword phrase
    found in the message scores its length plus one; otherwise a question whose content words
    are mostly in the message scores the share of them found (times two)."""
    if not index.entries or not tokens:
        return None
    known = index.postings.keys()
    spelled = []
    for token in tokens:
        options = {token} if token in known else similar_words(token, index.vocabulary) | {token}
        spelled.append(options)
    candidates: set[int] = set()
    for options in spelled:
        for word in options:
            candidates.update(index.postings.get(word, ()))
    words = set().union(*spelled)
    best: tuple[int, float] | None = None
    for position in sorted(candidates):
        entry_id, keyword_text, content_text = index.entries[position]
        keyword_phrases = [tuple(phrase.split()) for phrase in keyword_text.split("|") if phrase]
        score = max(
            (
                len(phrase) + 1.0
                for phrase in keyword_phrases
                if words.issuperset(phrase) and _contains(spelled, phrase)
            ),
            default=0.0,
        )
        content = set(content_text.split())
        if not score and content:
            found = len(content & words)
            share = found / len(content)
            if share >= QUESTION_OVERLAP and found >= min(2, len(content)):
                score = 2 * share
        if score and (best is None or score > best[1]):
            best = (entry_id, score)
    return best


# --- What a message asks ---------------------------------------------------------------------


@dataclass(frozen=True)
class Understanding:
    """What the assistant made of a message: a built-in topic or a FAQ entry (or neither)."""

    topic: str = ""  # one of TOPIC_ORDER, "faq", or "" (not understood)
    faq_id: int | None = None
    order_number: str = ""
    language: str | None = None


def understand(text: str, *, faq: FaqIndex | None = None) -> Understanding:
    """Asking for a person comes first; then an order number or order words; then the
    store's own FAQ (the seller's words win a tie with a built-in topic); then the other
    built-in topics. A greeting alone is a greeting."""
    tokens, words = normalise_words(text)
    language = language_of(words)
    number_match = ORDER_NUMBER.search(text or "")
    number = number_match.group(0).upper() if number_match else ""
    spelled = _spelled(tokens, TOPIC_VOCABULARY, _TOPIC_KNOWN)
    scores = topic_scores(spelled)
    if HUMAN in scores:
        return Understanding(topic=HUMAN, language=language)
    if number:
        return Understanding(topic=ORDER, order_number=number, language=language)
    matched = faq_match(faq, tokens) if faq is not None else None
    topics = {topic: score for topic, score in scores.items() if topic != GREETING}
    if len(topics) > 1:
        topics.pop(PRICE, None)  # "how much is shipping": the price of what the other topic names
    if matched is not None:
        faq_id, faq_score = matched
        if not topics or faq_score >= max(topics.values()):
            return Understanding(topic="faq", faq_id=faq_id, language=language)
    if topics:
        best = max(topics.values())
        topic = next(topic for topic in TOPIC_ORDER if topics.get(topic) == best)
        return Understanding(topic=topic, language=language)
    if GREETING in scores:
        return Understanding(topic=GREETING, language=language)
    return Understanding(language=language)

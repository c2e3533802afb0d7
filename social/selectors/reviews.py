"""Review reads shared by the pages and the API: a product's visible reviews (sorted, filtered,
keyset pages), its rating summary, and the ratings of a page of product cards. Every read
costs a constant number of queries, whatever the number of reviews."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, cast

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from shop.compiled import CompiledQuery
from shop.cursors import BadCursor, aware_datetime, decode_cursor, encode_cursor
from shop.expressions import Probe
from shop.models import User
from social.models import ProductRating, Review, ReviewPhoto, ReviewReport, ReviewVote
from social.selectors.feeds import Page

REVIEWS_PAGE = 10
REVIEW_SORTS = {
    "newest": _("Newest"),
    "helpful": _("Most helpful"),
    "highest": _("Highest rated"),
    "lowest": _("Lowest rated"),
}
DEFAULT_REVIEW_SORT = "newest"
# Each sort: its ORDER BY (ending in the id, so every row has one place) and the column
# its keyset cursor carries besides the id. They match the indexes on Review.
_ORDER = {
    "newest": ("-created_at", "-id"),
    "helpful": ("-helpful_count", "-id"),
    "highest": ("-rating", "-id"),
    "lowest": ("rating", "-id"),
}
_CURSOR_FIELD = {"newest": "created_at", "helpful": "helpful_count", "highest": "rating", "lowest": "rating"}


# --- Summaries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StarBar:
    star: int
    count: int
    percent: int  # of the product's reviews, rounded: the bar's width


@dataclass(frozen=True)
class RatingSummary:
    """A product's visible reviews, counted (from its ``ProductRating``)."""

    product_id: int
    count: int = 0
    total: int = 0
    star_counts: dict[int, int] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: ProductRating | None, product_id: int) -> RatingSummary:
        if row is None:
            return cls(product_id=product_id)
        stars = {star: getattr(row, f"star_{star}") for star in range(1, 6)}
        return cls(product_id=product_id, count=row.count, total=row.total, star_counts=stars)

    @property
    def average(self) -> float:
        return round(self.total / self.count, 2) if self.count else 0.0

    @property
    def percent(self) -> int:
        """The average as a share of five stars, for the stars' fill (a whole number: CSS-safe in any locale)."""
        return round(self.total * 20 / self.count) if self.count else 0

    @property
    def histogram(self) -> list[StarBar]:
        """Five stars first."""
        return [
            StarBar(
                star=star,
                count=self.star_counts.get(star, 0),
                percent=round(100 * self.star_counts.get(star, 0) / self.count) if self.count else 0,
            )
            for star in range(5, 0, -1)
        ]

    def __bool__(self) -> bool:
        return self.count > 0


def rating_summary(*, product: Product) -> RatingSummary:
    """One query."""
    return RatingSummary.from_row(ProductRating.objects.filter(pk=product.pk).first(), product.pk)


def rating_summaries(product_ids: list[int]) -> dict[int, RatingSummary]:
    """The summaries of many products, from one query."""
    rows = {row.pk: row for row in ProductRating.objects.filter(pk__in=product_ids)}
    return {pk: RatingSummary.from_row(rows.get(pk), pk) for pk in product_ids}


def attach_rating_summaries(products: list[Product]) -> None:
    """``product.rating_summary`` on each product of a page of cards (None without reviews).

    Attached to catalog's product cards (``catalog.signals.product_cards_shown``). One query.
    """
    summaries = rating_summaries([product.pk for product in products])
    for product in products:
        summary = summaries.get(product.pk)
        # Read by the product cards; catalog's Product does not declare what social attaches to it.
        product.rating_summary = summary if summary else None  # type: ignore[attr-defined]


# --- Lists -------------------------------------------------------------------------------------


@dataclass
class ReviewFilters:
    sort: str = DEFAULT_REVIEW_SORT
    stars: int | None = None
    with_photos: bool = False

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> ReviewFilters:
        """From a page's query string, forgiving: an unknown sort or star count is ignored."""
        sort = query.get("sort") or DEFAULT_REVIEW_SORT
        stars = query.get("stars") or ""
        return cls(
            sort=sort if sort in REVIEW_SORTS else DEFAULT_REVIEW_SORT,
            stars=int(stars) if stars in {"1", "2", "3", "4", "5"} else None,
            with_photos=(query.get("with_photos") or "") in {"1", "true", "on"},
        )

    def as_query(self, **changes: object) -> dict:
        """The query string parameters of these filters with ``changes``, defaults left out."""
        values = {"sort": self.sort, "stars": self.stars, "with_photos": self.with_photos, **changes}
        query: dict = {}
        if values["sort"] != DEFAULT_REVIEW_SORT:
            query["sort"] = values["sort"]
        if values["stars"]:
            query["stars"] = values["stars"]
        if values["with_photos"]:
            query["with_photos"] = 1
        return query

    @property
    def is_filtered(self) -> bool:
        return bool(self.stars or self.with_photos)


def _viewer(user: User | AnonymousUser | None) -> User | None:
    return user if isinstance(user, User) and user.is_authenticated else None


def review_queryset(*, viewer: User | AnonymousUser | None = None) -> QuerySet[Review]:
    """Reviews with their author, the seller's reply, their photos in order (``ordered_photos``),
    and ``viewer_voted`` / ``viewer_reported``: two queries for any number of reviews."""
    viewer = _viewer(viewer)
    queryset = Review.objects.select_related("author", "reply").prefetch_related(
        Prefetch("photos", queryset=ReviewPhoto.objects.order_by("position", "id"), to_attr="ordered_photos")
    )
    if viewer is None:
        return queryset.annotate(viewer_voted=Value(False), viewer_reported=Value(False))
    return queryset.annotate(
        viewer_voted=Probe(ReviewVote.objects.filter(review=OuterRef("pk"), user=viewer)),
        viewer_reported=Probe(ReviewReport.objects.filter(review=OuterRef("pk"), reporter=viewer)),
    )


def _decorate(reviews: list[Review], viewer: User | AnonymousUser | None) -> list[Review]:
    viewer = _viewer(viewer)
    for review in reviews:
        try:
            review.seller_reply = review.reply
        except Review.reply.RelatedObjectDoesNotExist:
            review.seller_reply = None
        review.viewer_is_author = viewer is not None and review.author_id == viewer.pk
    return reviews


def _decode(cursor: str | None, sort: str) -> tuple | None:
    position = decode_cursor(cursor, str, str, int)
    if position is None:
        return None
    cursor_sort, value, last_id = position
    if cursor_sort != sort:
        raise BadCursor(cursor)
    try:
        return (aware_datetime(value) if sort == "newest" else int(value)), last_id
    except ValueError as exc:
        raise BadCursor(cursor) from exc


def _after(sort: str, value: datetime | int, last_id: int) -> Q:
    name = _CURSOR_FIELD[sort]
    beyond = "gt" if sort == "lowest" else "lt"
    return Q(**{f"{name}__{beyond}": value}) | Q(**{name: value, "id__lt": last_id})


def reviews_for(
    *,
    product: Product,
    viewer: User | AnonymousUser | None = None,
    filters: ReviewFilters | None = None,
    cursor: str | None = None,
    limit: int = REVIEWS_PAGE,
) -> Page:
    """A keyset page (never OFFSET) of ``product``'s visible reviews, sorted and filtered.

    Two queries whatever the page size: the reviews (with author, reply and the viewer's vote
    and report), and their photos. A forged cursor, or one of another sort, is a BadCursor.
    """
    filters = filters or ReviewFilters()
    sort = filters.sort if filters.sort in REVIEW_SORTS else DEFAULT_REVIEW_SORT
    reviews = review_queryset(viewer=viewer).filter(product=product, is_hidden=False)
    if filters.stars:
        reviews = reviews.filter(rating=filters.stars)
    if filters.with_photos:
        reviews = reviews.filter(Exists(ReviewPhoto.objects.filter(review=OuterRef("pk"))))
    position = _decode(cursor, sort)
    if position is not None:
        reviews = reviews.filter(_after(sort, *position))
    items = list(reviews.order_by(*_ORDER[sort])[: limit + 1])
    more = len(items) > limit
    items = _decorate(items[:limit], viewer)
    next_cursor = None
    if more:
        last = items[-1]
        value = getattr(last, _CURSOR_FIELD[sort])
        next_cursor = encode_cursor(sort, value.isoformat() if sort == "newest" else value, last.pk)
    return Page(items, next_cursor)


def review_detail(*, pk: int, viewer: User | AnonymousUser | None = None, include_hidden: bool = False) -> Review:
    """One review as a list shows it; hidden ones are 404 unless ``include_hidden``."""
    reviews = review_queryset(viewer=viewer).select_related("product__store").filter(pk=pk)
    if not include_hidden:
        reviews = reviews.filter(is_hidden=False)
    review = reviews.first()
    if review is None:
        raise Http404(_("No such review."))
    return _decorate([review], viewer)[0]


def viewer_review(*, product: Product, viewer: User | AnonymousUser | None) -> Review | None:
    """The viewer's own review of ``product`` (hidden or not), or None. One query (none when anonymous)."""
    viewer = _viewer(viewer)
    if viewer is None:
        return None
    return Review.objects.filter(product=product, author=viewer).first()


@dataclass(frozen=True)
class ViewerMarks:
    """What one viewer did with a product's reviews: their own review (its id, and whether it is
    hidden), and which of some reviews they found helpful or reported."""

    own_id: int | None = None
    own_hidden: bool = False
    voted: frozenset[int] = frozenset()
    reported: frozenset[int] = frozenset()


def _marked_reviews(*, viewer_id: int, product_id: int, review_ids: list[int]) -> QuerySet[Review]:
    """The reviews ``review_ids`` and the viewer's own review of the product, with the viewer's marks."""
    return (
        Review.objects.filter(Q(pk__in=review_ids) | Q(product_id=product_id, author_id=viewer_id))
        .annotate(
            viewer_voted=Probe(ReviewVote.objects.filter(review=OuterRef("pk"), user_id=viewer_id)),
            viewer_reported=Probe(ReviewReport.objects.filter(review=OuterRef("pk"), reporter_id=viewer_id)),
        )
        .only("pk", "author_id", "is_hidden")
    )


class _MarkedReview(Protocol):
    pk: int
    author_id: int
    is_hidden: bool
    viewer_voted: bool
    viewer_reported: bool


# On every signed-in product page: compiled once per number of reviews (``shop.compiled``).
_MARKED_REVIEWS = CompiledQuery(_marked_reviews)


def viewer_marks(*, product_id: int, viewer: User, review_ids: Collection[int]) -> ViewerMarks:
    """``viewer``'s marks on the product ``product_id``'s reviews ``review_ids`` (the ones a
    page shows), and their own review of it wherever it is: one query."""
    values: dict[str, int | list[int]] = {
        "viewer_id": viewer.pk,
        "product_id": product_id,
        "review_ids": list(review_ids),
    }
    own_id, own_hidden, voted, reported = None, False, set(), set()
    for review in cast(list[_MarkedReview], _MARKED_REVIEWS.rows(values)):
        if review.author_id == viewer.pk:
            own_id, own_hidden = review.pk, review.is_hidden
        if review.viewer_voted:
            voted.add(review.pk)
        if review.viewer_reported:
            reported.add(review.pk)
    return ViewerMarks(own_id, own_hidden, frozenset(voted), frozenset(reported))

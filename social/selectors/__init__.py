"""Reads that social's pages and API share: feeds and profiles (``feeds``), For you
(``for_you``), reviews (``reviews``), friends' recommendations (``recommendations``)."""

from social.selectors.feeds import *  # noqa: F403
from social.selectors.feeds import Page  # noqa: F401  (named for readers and type checkers)
from social.selectors.for_you import *  # noqa: F403
from social.selectors.recommendations import also_like, friend_proof, friends_shelf, people_you_may_know  # noqa: F401
from social.selectors.reviews import (  # noqa: F401
    DEFAULT_REVIEW_SORT,
    REVIEW_SORTS,
    REVIEWS_PAGE,
    RatingSummary,
    ReviewFilters,
    ViewerMarks,
    attach_rating_summaries,
    rating_summaries,
    rating_summary,
    review_detail,
    reviews_for,
    viewer_marks,
    viewer_review,
)

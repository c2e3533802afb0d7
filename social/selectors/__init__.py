"""Reads that social's pages and API share: feeds and profiles (``feeds``), reviews
(``reviews``), friends' recommendations (``recommendations``)."""

from social.selectors.feeds import *  # noqa: F403
from social.selectors.feeds import BadCursor, Page  # noqa: F401  (named for readers and type checkers)

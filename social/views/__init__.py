"""The social pages: thin views that parse the request, call a service or a selector,
and render (a whole page, or the fragment an htmx request asked for)."""

from social.views.engagement import comment_delete, comment_hide, comments, like, save  # noqa: F401
from social.views.feeds import following, for_you, hashtag, home, saved  # noqa: F401
from social.views.posts import (  # noqa: F401
    post_create,
    post_delete,
    post_detail,
    post_edit,
    post_tags,
    product_search,
    product_sheet,
    tag_remove,
)
from social.views.profiles import (  # noqa: F401
    block,
    follow,
    store_followers,
    store_profile,
    user_followers,
    user_following,
    user_profile,
)
from social.views.reviews import (  # noqa: F401
    product_reviews,
    review_delete,
    review_helpful,
    review_hide,
    review_reply,
    review_report,
    review_write,
)

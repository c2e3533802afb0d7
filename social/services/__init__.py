"""Every social write with a rule. Import from here: ``from social import services``."""

from social.services.engagement import (  # noqa: F401
    add_comment,
    delete_comment,
    hide_comment,
    like,
    save_post,
    unhide_comment,
    unlike,
    unsave_post,
)
from social.services.feeds import build_feed, fan_out_post, pending_fan_outs, trim_feeds  # noqa: F401
from social.services.posts import (  # noqa: F401
    create_post,
    delete_post,
    edit_caption,
    hide_post,
    remove_tag,
    tag_product,
)
from social.services.profiles import (  # noqa: F401
    block,
    can_post_as,
    follow,
    is_blocked_between,
    profile_for_store,
    profile_for_user,
    unblock,
    unfollow,
)
from social.services.recommendations import (  # noqa: F401
    compute_product_affinities,
    dismiss_suggestion,
    mark_recommendations_seen,
    recommend,
    record_recommended_purchase,
    set_share_purchases,
)
from social.services.reviews import (  # noqa: F401
    delete_review,
    hide_review,
    reply_to_review,
    report_review,
    unhide_review,
    unvote_helpful,
    vote_helpful,
    write_review,
)

"""What the browser reports (``static/js/insights.js``): impressions and tag taps, in batches.

A batch is checked whole before anything is recorded: a known source, at most
``INSIGHTS_MAX_BATCH`` events, each a known name with ids of posts (and tags) that exist and
that the viewer may see. Anything else refuses the batch (``BadBatch``): the browser only
sends what the page showed, so a refused batch is a forged or stale one, not a lost sale.
The store and the product of an event come from the database, never from the request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from shop.events import EventName, Source, record
from social.models import Post, ProductTag

# What a browser may report; everything else is recorded by the server itself.
BROWSER_EVENTS = {EventName.POST_IMPRESSION.slug: EventName.POST_IMPRESSION, EventName.TAG_TAP.slug: EventName.TAG_TAP}
MAX_BODY_BYTES = 16 * 1024


class BadBatch(ValueError):
    pass


@dataclass(frozen=True)
class Reported:
    name: EventName
    post_id: int
    tag_id: int | None


def _positive_id(value) -> int:
    if type(value) is not int or not 0 < value < 2**63:
        raise BadBatch(_("Ids are positive whole numbers."))
    return value


def parse_batch(raw: str) -> tuple[Source, list[Reported]]:
    """The batch as posted (JSON text): ``{"source": "for_you", "events": [{"name":
    "post_impression", "post": 12}, {"name": "tag_tap", "post": 12, "tag": 40}]}``."""
    if len(raw) > MAX_BODY_BYTES:
        raise BadBatch(_("This batch is too large."))
    try:
        data = json.loads(raw)
    except ValueError:
        raise BadBatch(_("The batch is not JSON.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise BadBatch(_("The batch has no list of events."))
    source = Source.from_slug(data.get("source")) if isinstance(data.get("source"), str) else None
    if source is None:
        raise BadBatch(_("Unknown source."))
    items = data["events"]
    if not items or len(items) > settings.INSIGHTS_MAX_BATCH:
        raise BadBatch(_("A batch holds 1 to %(count)d events.") % {"count": settings.INSIGHTS_MAX_BATCH})
    reported = []
    for item in items:
        if not isinstance(item, dict) or item.get("name") not in BROWSER_EVENTS:
            raise BadBatch(_("Unknown event."))
        name = BROWSER_EVENTS[item["name"]]
        tag_id = _positive_id(item.get("tag")) if name == EventName.TAG_TAP else None
        reported.append(Reported(name=name, post_id=_positive_id(item.get("post")), tag_id=tag_id))
    return source, reported


def record_batch(*, source: Source, reported: list[Reported], user) -> int:
    """Record ``reported`` (from ``parse_batch``) for the current request's viewer; ``BadBatch``
    when a post or tag does not exist or ``user`` may not see it. Returns how many."""
    post_ids = {item.post_id for item in reported}
    stores = dict(Post.objects.visible_to(user).filter(pk__in=post_ids).values_list("pk", "profile__store_id"))
    if len(stores) != len(post_ids):
        raise BadBatch(_("Unknown post."))
    tag_ids = {item.tag_id for item in reported if item.tag_id is not None}
    tags = {}
    if tag_ids:
        tags = {
            pk: (post_id, product_id, store_id)
            for pk, post_id, product_id, store_id in ProductTag.objects.filter(pk__in=tag_ids).values_list(
                "pk", "post_id", "product_id", "product__store_id"
            )
        }
    for item in reported:  # all checked before any is recorded
        if item.tag_id is not None and (item.tag_id not in tags or tags[item.tag_id][0] != item.post_id):
            raise BadBatch(_("Unknown tag."))
    for item in reported:
        if item.tag_id is None:
            record(item.name, post_id=item.post_id, store_id=stores[item.post_id], source=source)
        else:
            _tag_post, product_id, store_id = tags[item.tag_id]
            record(item.name, post_id=item.post_id, product_id=product_id, store_id=store_id, source=source)
    return len(reported)

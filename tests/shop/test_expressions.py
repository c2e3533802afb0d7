"""``shop.expressions.Probe``: a viewer's marks on a page of rows are read by probing an index
per row, also in the plan PostgreSQL keeps for a prepared statement whatever the viewer."""

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef

from shop.expressions import Probe
from social.models import Like, Post
from tests.factories import UserFactory, make_post
from tests.shop.kept_plans import explain_kept_plan

pytestmark = pytest.mark.django_db


def _page_with_likes(exists: type[Exists], viewer_id: int):
    liked = exists(Like.objects.filter(user_id=viewer_id, post=OuterRef("pk")))
    return Post.objects.annotate(viewer_liked=liked).order_by("-id")[:21]


def _kept_plan(queryset) -> str:
    """The plan PostgreSQL keeps for the query prepared with parameters (its generic plan)."""
    sql, params = queryset.query.sql_with_params()
    return "\n".join(row[0] for row in explain_kept_plan(sql, params, "VERBOSE"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans; SQLite has no kept plans")
def test_in_the_kept_plan_a_probe_reads_one_index_entry_per_row_where_exists_hashes_them_all():
    # given a viewer who liked many posts, and statistics that say so
    viewer = UserFactory()
    posts = [make_post() for _ in range(30)]
    Like.objects.bulk_create([Like(user=viewer, post=post) for post in posts])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE social_like")
    # when / then: EXISTS reads all of a viewer's likes into a hash (good for the average
    # viewer the kept plan expects); the probe looks each row's like up
    assert "hashed SubPlan" in _kept_plan(_page_with_likes(Exists, viewer.pk))
    probe_plan = _kept_plan(_page_with_likes(Probe, viewer.pk))
    assert "SubPlan" in probe_plan and "hashed" not in probe_plan
    # and both read the same marks
    assert [post.viewer_liked for post in _page_with_likes(Probe, viewer.pk)] == [
        post.viewer_liked for post in _page_with_likes(Exists, viewer.pk)
    ]

"""A feed card's comment count follows the comments: htmx's answer to a comment added, deleted
or hidden carries the card's count out of band, and the cached card shows the new count on the
next page load."""

import re

import pytest
from django.urls import reverse

from social import services
from tests.factories import UserFactory, make_post

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def _card_count(page: str, post) -> str | None:
    """The comment count the post's card shows (the element htmx swaps by its id)."""
    match = re.search(rf'<span class="icon-button__count" id="post-{post.pk}-comment-count">(\d+)</span>', page)
    return match and match.group(1)


def _swapped_count(response, post) -> str | None:
    """The count an htmx answer swaps into the card out of band."""
    pattern = rf'<span class="icon-button__count" id="post-{post.pk}-comment-count" hx-swap-oob="true">(\d+)</span>'
    match = re.search(pattern, response.content.decode())
    return match and match.group(1)


def test_an_inline_comment_answers_with_the_cards_new_count_and_the_next_page_load_shows_it(client):
    # given a card on the feed, cached with no comments
    post = make_post()
    client.force_login(UserFactory())
    assert _card_count(client.get(reverse("social:for_you")).content.decode(), post) == "0"
    # when a comment is posted from the card's comments panel
    response = client.post(
        reverse("social:comments", kwargs={"pk": post.pk}), {"body": "Mantap!", "panel": "1"}, headers=HX
    )
    # then the answer swaps the card's count out of band, and the feed's card shows it next time
    assert response.status_code == 200 and "Mantap!" in response.content.decode()
    assert _swapped_count(response, post) == "1"
    assert _card_count(client.get(reverse("social:for_you")).content.decode(), post) == "1"


def test_deleting_and_hiding_a_comment_swap_the_cards_count_too(client):
    # given a post with two comments; its author moderates
    post = make_post()
    first = services.add_comment(author=UserFactory(), post=post, body="one")
    second = services.add_comment(author=UserFactory(), post=post, body="two")
    client.force_login(post.author)
    # when / then
    deleted = client.post(reverse("social:comment_delete", kwargs={"pk": first.pk}), headers=HX)
    assert _swapped_count(deleted, post) == "1"
    hidden = client.post(reverse("social:comment_hide", kwargs={"pk": second.pk}), headers=HX)
    assert _swapped_count(hidden, post) == "0"


def test_the_post_page_has_its_count_once_and_nothing_out_of_band(client):
    # given
    post = make_post()
    services.add_comment(author=UserFactory(), post=post, body="one")
    # when
    page = client.get(post.get_absolute_url()).content.decode()
    # then the card's count is there (the element the swap targets), exactly once
    assert _card_count(page, post) == "1"
    assert page.count(f'id="post-{post.pk}-comment-count"') == 1 and "hx-swap-oob" not in page

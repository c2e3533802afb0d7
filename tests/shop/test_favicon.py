"""The site's icon: linked from every page, and at /favicon.ico for pages that name none."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import Client

pytestmark = pytest.mark.django_db


def test_every_page_links_the_icon_and_it_exists():
    # when
    html = Client().get("/").content.decode()
    # then
    href = re.search(r'<link rel="icon" href="([^"]+)"', html).group(1)
    assert href == static("favicon.svg")
    assert finders.find("favicon.svg")


def test_favicon_ico_answers_with_the_icon():
    # when a browser asks for the icon of a page that names none (the admin, an error page)
    response = Client().get("/favicon.ico")
    # then it is sent to the site's icon (a static file, served by WhiteNoise), not a 404
    assert response.status_code == 301
    assert response["Location"] == static("favicon.svg")
    with open(finders.find("favicon.svg"), "rb") as icon:
        assert icon.read().startswith(b"<svg")

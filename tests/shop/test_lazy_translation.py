"""A text formatted at import (a form's help text, a model field's) is translated when shown,
in the reader's language, not once at import in the default one (``shop.i18n.interpolate_lazy``).

No gettext call with a literal in this file: makemessages scans tests/ too.
"""

import ast
import html
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from social.forms import PostForm, ReviewForm
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
NOT_SOURCE = {".venv", "staticfiles", "media", "var", "locale", ".git", "__pycache__", "node_modules", "migrations"}
LAZY = {"gettext_lazy", "ngettext_lazy", "pgettext_lazy", "npgettext_lazy"}
POST_PHOTOS_ID = "1 sampai 10 foto: JPEG, PNG, atau WebP."
REVIEW_PHOTOS_ID = "Total hingga 5 foto: JPEG, PNG, atau WebP."


def test_the_forms_help_texts_are_indonesian_with_indonesian_active():
    # given forms whose classes were made at import, in the default language
    # when
    with translation.override("id"):
        post_photos = str(PostForm.base_fields["images"].help_text)
        review_photos = str(ReviewForm.base_fields["photos"].help_text)
    # then
    assert post_photos == POST_PHOTOS_ID
    assert review_photos == REVIEW_PHOTOS_ID
    assert str(PostForm.base_fields["images"].help_text) == "1 to 10 photos: JPEG, PNG or WebP."


@pytest.mark.django_db
def test_the_new_post_page_in_indonesian_shows_the_help_text_in_indonesian(client, settings):
    # given
    client.force_login(UserFactory())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    # when
    page = html.unescape(client.get(reverse("social:post_create")).content.decode())
    # then
    assert POST_PHOTOS_ID in page


def _formatted_at_import(path: Path) -> list[str]:
    """Lines where a lazy translation is formatted (``%``, ``.format``, ``+``, an f-string)
    outside any function: evaluated at import, so in the default language."""
    tree = ast.parse(path.read_text(), str(path))
    lazy_names = set(LAZY)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith("translation"):
            lazy_names |= {alias.asname or alias.name for alias in node.names if alias.name in LAZY}

    def is_lazy(node) -> bool:
        if not isinstance(node, ast.Call):
            return False
        func = node.func
        return (func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)) in lazy_names

    found: list[str] = []

    def visit(node, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if not inside and (
                (isinstance(child, ast.BinOp) and (is_lazy(child.left) or is_lazy(child.right)))
                or (isinstance(child, ast.Attribute) and child.attr == "format" and is_lazy(child.value))
                or (isinstance(child, ast.FormattedValue) and is_lazy(child.value))
            ):
                found.append(f"{path.relative_to(ROOT)}:{child.lineno}")
            visit(child, inside)

    visit(tree, False)
    return found


def test_no_lazy_translation_is_formatted_at_import():
    sources = [path for path in ROOT.rglob("*.py") if not NOT_SOURCE & set(path.relative_to(ROOT).parts)]
    found = [line for path in sources for line in _formatted_at_import(path)]
    assert found == [], "format with shop.i18n.interpolate_lazy (or inside a function): " + ", ".join(found)

"""The site in Indonesian: the real language switch, translated pages and prices, and a catalog
(locale/id/LC_MESSAGES) that is complete, compiled, and in step with the code.

No gettext call with a literal in this file: makemessages scans tests/ too.
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from shop.money import format_money
from social.services import profile_for_store
from tests.factories import ProductFactory, VariantFactory, make_post

ROOT = Path(__file__).resolve().parents[2]
PO_FILE = ROOT / "locale" / "id" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
# What `make messages` leaves out (its --ignore options), plus what is never source.
NOT_SOURCE = {".venv", "staticfiles", "media", "var", "locale", ".git", "__pycache__", "node_modules"}

RUPIAH = 100  # IDR amounts are stored in sen


def _switch_to_indonesian(client) -> None:
    response = client.post("/i18n/setlang/", {"language": "id", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def _product(title: str, *, price: int = 150_000, stock: int = 10):
    product = ProductFactory(title=title)
    VariantFactory(product=product, price=price * RUPIAH, stock=stock)
    return product


# --- Pages ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_english_is_the_default_language(client):
    html = client.get("/").text

    assert '<html lang="en">' in html
    assert "Log in" in html
    assert '<option value="id" lang="id">Bahasa Indonesia</option>' in html
    assert 'placeholder="Search products and stores"' in html


@pytest.mark.django_db
def test_the_language_switch_turns_the_home_page_indonesian(client):
    # given: the home page is the feed; a store's post tags the product
    product = _product("Kopi Gayo", price=150_000)
    make_post(product.store.owner, profile=profile_for_store(store=product.store), products=[product])

    # when
    _switch_to_indonesian(client)
    html = client.get("/").text

    # then
    assert '<html lang="id">' in html
    # header: search, account links, language menu
    assert 'placeholder="Cari produk dan toko"' in html
    assert ">Cari produk dan toko</label>" in html
    assert ">Cari</button>" in html
    assert ">Masuk</a>" in html
    assert ">Daftar</a>" in html
    assert ">Ganti</button>" in html
    # each language is offered under its own name
    assert '<option value="en" lang="en">English</option>' in html
    assert '<option value="id" lang="id" selected>Bahasa Indonesia</option>' in html
    # page body and footer
    assert "Untukmu" in html and "Belanja dari postingan ini" in html
    assert "Buka tokomu" in html
    assert "Jualan di Etalase" in html
    assert "Rp150.000" in html
    assert "Log in" not in html and "Sign up" not in html


@pytest.mark.django_db
def test_the_search_box_label_says_what_its_placeholder_says_in_each_language(client):
    # search finds stores too: a screen reader hears what the placeholder shows
    for switch, expected in ((False, "Search products and stores"), (True, "Cari produk dan toko")):
        if switch:
            _switch_to_indonesian(client)
        html = client.get("/").text
        label = re.search(r'<label class="visually-hidden" for="site-search-q">([^<]*)</label>', html)
        placeholder = re.search(r'id="site-search-q"[^>]*placeholder="([^"]*)"', html)
        assert label and placeholder, "no search box in the header"
        assert label.group(1) == placeholder.group(1) == expected


@pytest.mark.django_db
def test_the_product_list_is_indonesian_after_the_switch(client):
    # given
    _product("Kopi Gayo", price=150_000)
    _product("Batik Tulis", price=350_000, stock=0)

    # when
    _switch_to_indonesian(client)
    html = client.get(reverse("catalog:product_list")).text

    # then
    assert '<html lang="id">' in html
    assert "<title>Semua produk · Etalase</title>" in html
    assert "2 produk" in html
    assert "Filter & urutkan" in html
    assert ">Urutkan</label>" in html
    assert ">Terbaru</option>" in html
    assert ">Harga: rendah ke tinggi</option>" in html
    assert ">Harga: tinggi ke rendah</option>" in html
    assert ">Terapkan filter</button>" in html
    assert ">Stok habis</span>" in html
    assert "Rp150.000" in html and "Rp350.000" in html
    assert "Sort by" not in html and "Sold out" not in html


@pytest.mark.django_db
def test_the_product_page_and_its_picker_texts_are_indonesian(client):
    # given
    product = _product("Kopi Gayo", price=150_000, stock=7)

    # when
    _switch_to_indonesian(client)
    html = client.get(product.get_absolute_url()).text

    # then: the server-rendered stock line and the texts handed to variant-picker.js
    assert "Stok: 7" in html
    assert 'data-text-in-stock="Stok: %(count)s"' in html
    assert 'data-text-sold-out="Stok habis"' in html
    assert 'data-text-unavailable="Kombinasi ini tidak tersedia."' in html
    assert '"price": "Rp150.000"' in html
    assert ">Beranda</a>" in html


def test_prices_are_rupiah_in_indonesian():
    with translation.override("id"):
        assert format_money(150_000 * RUPIAH) == "Rp150.000"
        assert format_money(1_250_000 * RUPIAH) == "Rp1.250.000"


# --- The catalog ---------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> str:
        """The key gettext uses in a compiled catalog."""
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    def __str__(self) -> str:
        return f"{self.msgctxt + ' | ' if self.msgctxt else ''}{self.msgid!r}"


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], text.strip()[1:-1])


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (the header is the entry with an empty msgid)."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        entry, current = Entry(), None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry.obsolete = True
                continue
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
                continue
            if line.startswith("#"):
                continue
            match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", line)
            if match:
                current = match.group(1)
                value = _unquote(match.group(2))
                if current.startswith("msgstr"):
                    entry.msgstr.append(value)
                else:
                    setattr(entry, current, value)
            elif line.startswith('"') and current:
                value = _unquote(line)
                if current.startswith("msgstr"):
                    entry.msgstr[-1] += value
                else:
                    setattr(entry, current, getattr(entry, current) + value)
        if current:
            entries.append(entry)
    return entries


def _messages(entries: list[Entry]) -> list[Entry]:
    return [entry for entry in entries if entry.msgid and not entry.obsolete]


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]+\}", text.replace("%%", "")))


def test_the_indonesian_catalog_is_fully_translated():
    entries = read_po(PO_FILE)
    header = next(entry for entry in entries if entry.msgid == "" and entry.msgctxt is None)
    assert "Language: id\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header.msgstr[0]
    assert "fuzzy" not in header.flags

    messages = _messages(entries)
    assert len(messages) > 250
    untranslated = [str(entry) for entry in messages if not entry.msgstr or not all(entry.msgstr)]
    fuzzy = [str(entry) for entry in messages if "fuzzy" in entry.flags]
    assert not untranslated, "untranslated: run `make messages` and translate these"
    assert not fuzzy, "fuzzy (a guess by msgmerge): check the translation and drop the flag"
    assert all(len(entry.msgstr) == 1 for entry in messages if entry.msgid_plural), "Indonesian has one plural form"


def test_translations_keep_every_placeholder():
    def kept(entry: Entry, text: str) -> bool:
        # Indonesian has one plural form, used for every count: it must carry the English
        # plural's placeholders ("The last day" / "The last %(days)s days": "%(days)s hari terakhir").
        return _placeholders(text) == _placeholders(entry.msgid_plural or entry.msgid)

    wrong = [str(entry) for entry in _messages(read_po(PO_FILE)) if not all(kept(entry, text) for text in entry.msgstr)]
    assert not wrong


def test_the_compiled_catalog_matches_the_po_file():
    """The committed .mo (what the site reads) holds every translation of the .po, as written there."""
    with MO_FILE.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog

    stale = []
    for entry in _messages(read_po(PO_FILE)):
        if entry.msgid_plural:
            found = [compiled.get((entry.key, index)) for index in range(len(entry.msgstr))]
        else:
            found = [compiled.get(entry.key)]
        if found != entry.msgstr:
            stale.append(str(entry))
    assert not stale, "the .mo is older than the .po: run `make messages` (compilemessages)"


def _copy_sources(destination: Path) -> None:
    def ignore(directory, names):
        return [
            name
            for name in names
            if name in NOT_SOURCE
            or name.startswith("db.sqlite3")
            or (os.path.isfile(os.path.join(directory, name)) and not name.endswith((".py", ".html", ".txt")))
        ]

    shutil.copytree(ROOT, destination, ignore=ignore)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (apt-get install gettext)")
def test_every_string_in_the_code_is_in_the_catalog(tmp_path):
    """What makemessages extracts today is all translated: a new string without its translation fails."""
    # given: a copy of the sources, so the real catalog is left alone
    project = tmp_path / "project"
    _copy_sources(project)
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}

    # when
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "id", "--no-obsolete"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    # then
    assert result.returncode == 0, result.stdout + result.stderr
    extracted = {entry.key: entry for entry in _messages(read_po(project / "locale/id/LC_MESSAGES/django.po"))}
    translated = {entry.key for entry in _messages(read_po(PO_FILE)) if all(entry.msgstr)}
    missing = sorted(str(extracted[key]) for key in extracted.keys() - translated)
    assert not missing, "not in locale/id/LC_MESSAGES/django.po: run `make messages` and translate them"

import pytest
from django.utils import translation

from shop.money import format_money, to_major, to_minor


def test_rupiah_are_stored_in_sen():
    assert to_minor("150000") == 15_000_000
    assert to_major(15_000_000) == 150000


@pytest.mark.parametrize("bad", ["abc", "1.234", "NaN", "Infinity", ""])
def test_bad_amounts_are_refused(bad):
    with pytest.raises(ValueError):
        to_minor(bad)


def test_prices_are_formatted_for_the_active_language():
    with translation.override("id"):
        assert format_money(15_000_000) == "Rp150.000"
    with translation.override("en"):
        assert format_money(15_000_000) == "IDR150,000"
    assert format_money(1250, "USD", "en") == "$12.50"
    assert format_money(None) == ""

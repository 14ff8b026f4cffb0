"""Numbers in words, in the four languages, read as the digits an archived claim uses."""

from __future__ import annotations

import pytest

from bot.desk.hoax_text import terms
from bot.desk.spelled_numbers import spelled_numbers, value


@pytest.mark.parametrize(
    ("words", "number"),
    [
        ("lima belas ribu", 15_000),
        ("seratus lima puluh ribu", 150_000),
        ("dua juta lima ratus ribu", 2_500_000),
        ("sejuta", 1_000_000),
        ("fifteen thousand", 15_000),
        ("one hundred and fifty thousand", 150_000),
        ("twenty five", 25),
        ("dalapan rebu", 8_000),  # Sundanese
        ("tilu ratus", 300),
        ("limolas ewu", 15_000),  # Javanese
        ("enem atus ewu", 600_000),
        ("rong atus seket", 250),
        ("telung setengah yuta", 3_500_000),
        ("sewu", 1_000),
    ],
)
def test_number_words_say_their_number(words: str, number: int) -> None:
    """Units, teens, tens, hundreds and scales combine as people say them."""
    assert value(words.split()) == number


@pytest.mark.parametrize("words", ["ratus ribu", "juta", "lima lima"])
def test_runs_that_are_not_one_number_stay_words(words: str) -> None:
    """Scale words with no number, or two numbers side by side, are left as written."""
    assert value(words.split()) is None
    assert spelled_numbers(words) == words


def test_only_whole_words_are_numbers() -> None:
    """`sangat`, `duapuluhan` or `satuan` hold no number word."""
    assert spelled_numbers("sangat penting, satuan tugas") == "sangat penting, satuan tugas"


@pytest.mark.parametrize(
    ("forwarded", "archived"),
    [
        ("dibayar limolas ewu saben like", "dibayar Rp 15.000 per like"),
        ("fifteen thousand rupiah a like", "Rp 15rb per like"),
        ("BSU enem atus ewu", "BSU Rp 600.000"),
        ("ongkos dalapan rebu", "ongkos Rp 8.000"),
    ],
)
def test_a_spelled_amount_matches_the_digits(forwarded: str, archived: str) -> None:
    """The amount is one term whichever way it is written."""
    amount = {t for t in terms(archived) if t.isdigit()}
    assert amount
    assert amount <= terms(forwarded)


def test_units_and_months_are_written_one_way() -> None:
    """`75GB` is `75 GB`; `Nov` is `November`."""
    assert terms("kuota 75GB") == terms("kuota 75 GB")
    assert terms("daya 450VA") == terms("daya 450 VA")
    assert terms("tanggal 24 Nov") == terms("tanggal 24 November")

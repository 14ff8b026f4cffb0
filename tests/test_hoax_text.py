"""Indonesian matching of hoax claims (issue 12, item 2): stemming, shorthand, numbers,
links without a scheme, folding, forwarding noise in four languages."""

from __future__ import annotations

import re

import pytest

from bot.desk.hoax_text import foreign_word, links, shorthand, stem, stop_words, terms
from bot.desk.hoaxes import Fingerprint
from tests.support.constants import ROOT


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("divaksin", "vaksinasi"),  # affixed forms share the root
        ("memvaksin", "vaksin"),
        ("penipuan", "tertipu"),
        ("hoaxxx", "hoaks"),  # repeated letters, and the English spelling
        ("v4ksin", "vaksin"),  # digits for letters
        ("bansos", "bantuan sosial"),
    ],
)
def test_forms_of_one_word_share_terms(one: str, other: str) -> None:
    """Both spellings give the same terms."""
    assert terms(one) == terms(other) != frozenset()


@pytest.mark.parametrize(
    ("short", "long"),
    [
        ("utk", "untuk"),
        ("dgn", "dengan"),
        ("yg", "yang"),
        ("krn", "karena"),
        ("tdk", "tidak"),
        ("gak", "tidak"),
        ("blm", "belum"),
    ],
)
def test_shorthand_is_spelled_out(short: str, long: str) -> None:
    """Chat shorthand reads as the word it stands for."""
    assert shorthand()[short] == tuple(long.split())
    assert terms(f"vaksin {short} halal") == terms(f"vaksin {long} halal")


def test_negations_are_kept() -> None:
    """'tidak halal' is not 'halal': the negation stays a term."""
    assert "tidak" in terms("vaksin gak halal")
    assert terms("vaksin halal") != terms("vaksin tidak halal")


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("transfer Rp 1.500.000 sekarang", "1500000"),
        ("transfer Rp1,5 jt sekarang", "1500000"),
        ("transfer 1500000", "1500000"),
        ("kuota 500rb gratis", "500000"),
        ("hubungi 0812-3456-7890", "6281234567890"),
        ("hubungi +62 812 3456 7890", "6281234567890"),
        ("hubungi 0812.3456.7890", "6281234567890"),
        ("cair tgl 25/12/2026", "25-12-2026"),
        ("cair tgl 25-12-26", "25-12-2026"),
        ("jaringan 5G", "5g"),
    ],
)
def test_numbers_are_kept_normalised(text: str, token: str) -> None:
    """Amounts, phone numbers and dates matter in scams: each is one normalised term."""
    assert token in terms(text)


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("daftar di bansos-kemensos.xyz/daftar sekarang", "bansos-kemensos.xyz/daftar"),
        ("klik bit.ly/BLTcair2026!", "bit.ly/BLTcair2026"),  # a shortener's path keeps case
        ("buka www.kominfo-gratis.site?utm_source=wa", "kominfo-gratis.site"),
        ("https://s.id/Bansos2026?fbclid=abc&ref=x", "s.id/Bansos2026"),
    ],
)
def test_bare_domains_and_short_links_are_links(text: str, link: str) -> None:
    """A link without a scheme is still a link, normalised; it is not read as words."""
    assert links(text) == {link}
    assert not any(part in terms(text) for part in ("xyz", "bit", "site"))


def test_no_domain_in_ordinary_text() -> None:
    """Abbreviations with dots are not domains."""
    assert links("Jl. Sudirman no. 5, dll. dst. a.n. Budi") == frozenset()


@pytest.mark.parametrize(
    "noise",
    [
        "Diteruskan berkali-kali",
        "Forwarded many times",
        "Diteraskeun sababaraha kali",
        "Diterusake kaping-kaping",
        "Diteruskan",
    ],
)
def test_forwarding_noise_is_stripped(noise: str) -> None:
    """WhatsApp's forwarding label adds nothing, in any of the four languages."""
    claim = "Vaksin mengandung chip pelacak 5G"
    assert terms(f"{noise}\n{claim}") == terms(claim)


def test_a_reworded_chain_message_matches() -> None:
    """The issue's misses: affixes, shorthand and noise no longer hide a re-forward."""
    original = Fingerprint.of(
        "Vaksinasi COVID-19 mengandung chip 5G yang bisa melacak lokasi warga. Sebarkan!", []
    )
    reworded = Fingerprint.of(
        "Diteruskan berkali-kali\nhati2 yg divaksin covid 19 dipasangi chip 5g utk melacak "
        "lokasi kita!!!",
        [],
    )
    assert original.similarity(reworded) >= 0.6


def test_a_shared_site_alone_is_not_the_same_claim() -> None:
    """Two claims linking the same homepage are not one claim; the same page link is."""
    one = Fingerprint.of("Pendaftaran CPNS dibuka, cek kemenpan.go.id", [])
    other = Fingerprint.of("Gempa magnitudo 6 di Cilegon, info kemenpan.go.id", [])
    assert one.similarity(other) < 0.6
    page = Fingerprint.of("lihat kemenpan.go.id/cpns2026", [])
    assert page.similarity(Fingerprint.of("ini dia kemenpan.go.id/cpns2026", [])) == 1.0


def test_shipped_dictionaries_are_well_formed() -> None:
    """Every shorthand line is `short<TAB>long words` in lower case, no short form twice,
    no long form is itself a short form; filler words are lower-case words."""
    lines = (ROOT / "bot/desk/data/shorthand.tsv").read_text("utf-8").splitlines()
    entries = [line for line in lines if line and not line.startswith("#")]
    shorts = [line.split("\t")[0] for line in entries]
    assert len(shorts) == len(set(shorts)) == len(shorthand())
    for line in entries:
        assert re.fullmatch(r"[a-z0-9]+\t[a-z0-9]+(?: [a-z0-9]+)*", line), line
    for words in shorthand().values():
        for word in words:
            assert word not in shorthand() or shorthand()[word] == (word,), word
    assert all(re.fullmatch(r"[a-z]+", w) for w in stop_words())


@pytest.mark.parametrize(
    ("foreign", "indonesian"),
    [
        ("vaccine cancer water", "vaksin kanker air"),  # English
        ("murangkalih sakola nginum cai", "anak sekolah minum air"),  # Sundanese
        ("anake ngombe banyune dhuwit", "anak minum air uang"),  # Javanese
        ("nyoblos ngelacak nempel ditempelin", "coblos lacak tempel tempel"),  # colloquial
    ],
)
def test_other_languages_and_colloquial_forms_read_as_indonesian(
    foreign: str, indonesian: str
) -> None:
    """A claim forwarded in English, Sundanese, Javanese or Jakarta slang shares the terms
    of the Indonesian one archived (the shipped glossary and the colloquial rewrites)."""
    assert terms(foreign) == terms(indonesian) != frozenset()


def test_a_question_around_a_claim_is_not_a_negation() -> None:
    """'bener gak sih …?' asks; it does not say 'tidak'."""
    assert "tidak" not in terms("bener gak sih vaksin bikin mandul?")
    assert terms("bener gak sih vaksin bikin mandul?") == terms("vaksin bikin mandul")


def test_amounts_glued_to_rp_are_not_read_as_letters() -> None:
    """Rp150rb is an amount (digits between letters are letters only inside words)."""
    assert "150000" in terms("hadiah Rp150rb hari ini")
    assert "1500000" in terms("cair Rp1,5jt")


def test_glossary_is_well_formed() -> None:
    """Every glossary line is `word<TAB>indonesian words`, each word once, lower case."""
    lines = (ROOT / "bot/desk/data/glossary.tsv").read_text("utf-8").splitlines()
    entries = [line for line in lines if line and not line.startswith("#")]
    words = [line.split("\t")[0] for line in entries]
    assert len(words) == len(set(words))
    for line in entries:
        assert re.fullmatch(r"[a-zé]+\t[a-z0-9]+(?: [a-z0-9]+)*", line), line


def test_words_indonesian_in_their_own_right_keep_their_meaning() -> None:
    """`bumi` is a Sundanese house but the Indonesian earth, `lini` a Sundanese earthquake
    but an Indonesian line: the glossary leaves them out, so they stay themselves; an
    English word Sastrawi's dictionary happens to list (`hospital`) is still read."""
    assert terms("bumi lini") == {"bumi", "lini"}
    assert terms("hospital") == terms("rumah sakit")


@pytest.mark.parametrize(
    ("forwarded", "archived"),
    [
        ("méja dicorét naék", "meja dicoret naik"),  # accents dropped, then looked up
        ("vaccines stopped hospitals", "vaksin berhenti rumah sakit"),  # English endings
        ("diumumkeun statusna sorana", "diumumkan status suara"),  # Sundanese affixes
        ("dijupuk nggawa anake", "diambil membawa anak"),  # Javanese affixes
    ],
)
def test_foreign_words_lose_their_own_affixes(forwarded: str, archived: str) -> None:
    """A foreign word not in the glossary is looked up without its affixes."""
    assert terms(forwarded) == terms(archived) != frozenset()


@pytest.mark.parametrize("word", ["makanan", "dilapisi", "dicerna", "pelabuhan"])
def test_affixed_indonesian_words_keep_sastrawi_roots(word: str) -> None:
    """Foreign affix stripping never applies where Sastrawi finds an Indonesian root
    (`makanan` is `makan`, not `akan` with an English-looking ending taken off)."""
    assert foreign_word(word) is None
    assert terms(word) == {stem(word)}


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("hadiah Rp 175 million", "175000000"),
        ("BLT 300 ewu saben sasi", "300000"),
        ("PIP cair sejuta", "1000000"),
        ("saldo Rp 400 thousand", "400000"),
        ("dana 2 billion", "2000000000"),
    ],
)
def test_amounts_in_other_languages(text: str, amount: str) -> None:
    """Scale words of English and Javanese, and `se-`/`sa-` for one, give the same amount."""
    assert amount in terms(text)


def test_function_words_of_other_languages_are_dropped() -> None:
    """English, Sundanese and Javanese function words say nothing about a claim."""
    assert terms("it is already here now, but") == frozenset()
    assert terms("ieu teh keneh pisan") == {"teh"}  # teh stays: Indonesian tea
    assert terms("kuwi sing wis ana") == frozenset()


def test_a_phone_number_ends_at_the_line() -> None:
    """A digit on the next line is not part of the number before it."""
    assert "6281200007750" in terms("WA 0812 0000 7750\n2 HARI CAIR")


def test_numbers_are_a_claims_specifics() -> None:
    """The same scam with another amount scores lower than with its own; a text without
    numbers is scored on its words alone; the score never passes 1."""
    claim = Fingerprint.of(
        "Selamat! Nomor Anda terpilih menerima bantuan Rp 2.500.000 dari Kemensos, "
        "transfer biaya admin Rp 150.000 ke rekening 1234567890 sekarang juga",
        [],
    )
    same = Fingerprint.of(
        "Nomor anda terpilih terima bantuan 2,5 juta dr Kemensos, transfer biaya admin "
        "150rb ke rekening 1234567890",
        [],
    )
    other_amount = Fingerprint.of(
        "Nomor anda terpilih terima bantuan 600 ribu dr Kemensos, transfer biaya admin "
        "50rb ke rekening 9876543210",
        [],
    )
    no_numbers = Fingerprint.of(
        "Nomor anda terpilih terima bantuan dr Kemensos, transfer biaya admin ke rekening",
        [],
    )
    assert claim.similarity(same) > claim.similarity(no_numbers) > claim.similarity(other_amount)
    assert claim.similarity(claim) == 1.0


def test_what_residents_ask_around_a_claim_is_not_the_claim() -> None:
    """The words a resident asks with, in any spelling, add no terms: "bener ya" reads
    as "benar" after the shorthand, which is as much filler as "bener"."""
    claim = terms("vaksin HPV gratis di SD untuk anak perempuan kelas 5")
    asked = (
        "Bun, bener ya kalau ada vaksin HPV gratis di SD buat anak perempuan kelas 5?"
        " gak usah bayar?"
    )
    assert terms(asked) - claim <= {"tidak", "bayar"}


def test_filler_is_not_read_as_a_foreign_word_without_its_affixes() -> None:
    """Sundanese `sareng` (and) is filler, not `reng` once a prefix is taken off."""
    assert terms("beras sareng minyak") == terms("beras minyak")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("beras 10 kilo", "beras 10 kg"),
        ("Kab. Bandung", "kabupaten Bandung"),
        ("ultah ke-25", "ulang tahun ke-25"),
        ("loker pabrik", "lowongan kerja pabrik"),
        ("bikin mandul", "buat mandul"),
        ("sasi ngarep", "bulan ngarep"),
    ],
)
def test_units_abbreviations_and_chat_words_are_spelled_one_way(one: str, other: str) -> None:
    """Units, an abbreviated region word and chat words give the terms of the long form."""
    assert terms(one) == terms(other) != frozenset()

"""ClaimReview in and out of the hoax archive (bot/desk/claimreview.py, handlers/hoaxes_cli.py):
the shapes fact-checkers publish, a CSV, rating names to verdicts, every problem named and
nothing imported half-way, duplicates skipped, and an export that imports back the same."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.desk import claimreview, claimreview_reader
from bot.desk.claimreview import ClaimReviewError, read_reviews
from bot.desk.hoaxes import VERDICTS, Claim, Fingerprint, HoaxArchive
from bot.desk.ratings import SYNONYMS, verdict_of
from bot.platform.config import Config
from bot.platform.store import Redis
from handlers import cli, hoaxes_cli
from tests.support.constants import ROOT

DATA = ROOT / "tests" / "data" / "claimreview"
ZONE = "Asia/Jakarta"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo(ZONE)).timestamp()
VAKSIN = "Vaksin campak untuk anak SD di Banten mengandung chip pelacak"
VAKSIN_URL = "https://cekfakta.contoh.id/2026/11/salah-vaksin-campak-mengandung-chip"
VAKSIN_WHY = (
    "Dinas Kesehatan memastikan vaksin campak tidak berisi perangkat apa pun; "
    "ukuran jarum tidak memungkinkan."
)
BANSOS = "Pendaftaran bansos PKH tahap 4 lewat tautan bit.ly/pkh-2026, isi NIK dan nomor rekening"
BANSOS_URL = "https://cekfakta.contoh.id/2026/11/penipuan-bansos-pkh-lewat-tautan"
BANSOS_WHY = (
    "Kemensos tidak membuka pendaftaran PKH lewat tautan; data yang diisi dipakai untuk "
    "menguras rekening."
)
APPEARANCE = "https://facebook.contoh.com/posts/123456"


def at(text: str) -> float:
    """An ISO time or date (midnight in Jakarta) as epoch seconds."""
    when = datetime.fromisoformat(text)
    return (when if when.tzinfo else when.replace(tzinfo=ZoneInfo(ZONE))).timestamp()


def review(**fields: object) -> dict[str, object]:
    """A valid ClaimReview with some fields replaced (None: left out)."""
    item: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": VAKSIN,
        "url": VAKSIN_URL,
        "reviewRating": {"@type": "Rating", "alternateName": "Salah"},
        "reviewBody": VAKSIN_WHY,
        "datePublished": "2026-11-03",
    }
    item.update(fields)
    return {k: v for k, v in item.items() if v is not None}


def write(tmp_path: Path, name: str, content: object) -> Path:
    """A file holding `content` (JSON for anything but a str)."""
    path = tmp_path / name
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    """What reading `path` reports (the test fails if it reads cleanly)."""
    with pytest.raises(ClaimReviewError) as caught:
        read_reviews(path, ZONE, NOW)
    return caught.value.problems


@pytest.fixture
def archive(redis: Redis) -> HoaxArchive:
    """The hoax archive on a flushed real Redis."""
    return HoaxArchive(redis)


@pytest.mark.parametrize(
    "name", ["list.json", "graph.jsonld", "datafeed.json", "itemlist.json", "verdicts.csv"]
)
def test_published_shapes_and_csv_read_the_same(name: str) -> None:
    """A list, an @graph beside a WebPage and an Organization, a DataFeed of DataFeedItems, an
    ItemList of ListItems and the CSV all give the same two verdicts: rating names of any
    case and bracketing mapped, explanation from reviewBody or description, the review's
    link first among the sources, then the claim's appearance."""
    found = read_reviews(DATA / name, ZONE, NOW)
    assert [(r.text, r.verdict, r.explanation, r.url) for r in found] == [
        (VAKSIN, "hoaks", VAKSIN_WHY, VAKSIN_URL),
        (BANSOS, "penipuan", BANSOS_WHY, BANSOS_URL),
    ]
    assert [r.at for r in found] == [at("2026-11-03T09:15:00+07:00"), at("2026-11-05")]
    appearance = () if name == "verdicts.csv" else (APPEARANCE,)
    assert found[0].sources == (VAKSIN_URL, *appearance)
    assert found[1].sources == (BANSOS_URL,)


def test_one_claimreview_object(archive: HoaxArchive, config: Config) -> None:
    """A page's single ClaimReview: imported with a CR- id, no ticket, its appearance link
    among the sources (an appearance with no link is passed over), and residents' reworded
    requests now find it."""
    said = hoaxes_cli.import_file(archive, config, DATA / "single.json", dry_run=False)
    assert said.startswith("imported 1 verdict(s) of 1 in ")
    assert "0 duplicate(s) skipped: 0 by url, 0 by claim; 0 errors" in said
    (claim,) = archive.claims()
    assert claim.id.startswith("CR-")
    assert len(claim.id) == 13
    assert claim.ticket == ""
    assert (claim.text, claim.verdict, claim.explanation) == (VAKSIN, "hoaks", VAKSIN_WHY)
    assert claim.sources == f"{VAKSIN_URL}\n{APPEARANCE}"
    asked = Fingerprint.of("katanya vaksin campak anak SD di banten ada chip pelacaknya!!", [])
    found = archive.best_claim(asked)
    assert found is not None
    assert found[0].id == claim.id


RATINGS = [
    ("Salah", "hoaks"),
    ("[SALAH]", "hoaks"),
    ("Hoaks", "hoaks"),
    ("HOAX", "hoaks"),
    ("Keliru", "hoaks"),
    ("False", "hoaks"),
    ("Menyesatkan", "menyesatkan"),
    ("Misleading", "menyesatkan"),
    ("Benar", "benar"),
    ("True", "benar"),
    ("Sebagian Benar", "sebagian benar"),
    ("Partly false", "sebagian benar"),
    ("Partly true", "sebagian benar"),
    ("Disinformasi", "disinformasi"),
    ("Misinformasi", "misinformasi"),
    ("Satire", "satire"),
    ("Satir", "satire"),
    ("Satíre", "satire"),
    ("Penipuan", "penipuan"),
    ("Scam", "penipuan"),
    ("Konten Palsu", "konten palsu"),
    ("Konten tiruan", "konten tiruan"),
    ("Dimanipulasi", "dimanipulasi"),
    ("Manipulated", "dimanipulasi"),
    ("Konteks Keliru", "konteks keliru"),
    ("Missing context", "konteks keliru"),
    ("Tidak terbukti", "belum terverifikasi"),
    ("Unproven", "belum terverifikasi"),
    ("belum  terverifikasi.", "belum terverifikasi"),
]


@pytest.mark.parametrize(("name", "verdict"), RATINGS)
def test_rating_names_map_to_our_verdicts(name: str, verdict: str) -> None:
    """Fact-checkers' rating names, Indonesian and English, any case, accents or brackets."""
    assert verdict_of(name) == verdict


def test_every_verdict_and_synonym_maps_and_is_exported_back() -> None:
    """Each of our verdicts is a rating name of its own (so an export imports back), each
    listed synonym maps to its verdict, and names that are no rating map to nothing."""
    for verdict in VERDICTS:
        assert verdict_of(verdict) == verdict
        assert verdict_of(verdict.upper()) == verdict
        for name in SYNONYMS.get(verdict, ()):
            assert verdict_of(name) == verdict, name
    for name in ("", "ngawur", "mungkin", "5"):
        assert verdict_of(name) is None


def test_rating_from_name_when_alternate_name_is_missing(tmp_path: Path) -> None:
    """No alternateName: the Rating's name gives the verdict."""
    path = write(tmp_path, "r.json", review(reviewRating={"@type": "Rating", "name": "Keliru"}))
    assert read_reviews(path, ZONE, NOW)[0].verdict == "hoaks"


def test_unknown_rating_names_the_value_and_the_valid_forms(
    tmp_path: Path, archive: HoaxArchive, config: Config
) -> None:
    """An unknown rating is an error naming the item, the field and the value; the names
    understood are listed once; nothing is imported."""
    path = write(tmp_path, "r.json", [review(reviewRating={"alternateName": "Ngawur"})])
    with pytest.raises(ClaimReviewError) as caught:
        hoaxes_cli.import_file(archive, config, path, dry_run=False)
    assert caught.value.problems == [
        f"{path}: item 1 (reviewRating.alternateName): unknown rating 'Ngawur'"
    ]
    hint = caught.value.hint
    assert hint.startswith("ratings understood: hoaks: hoaks, hoax")
    assert "belum terverifikasi: belum terverifikasi, tidak terverifikasi" in hint
    assert archive.count() == 0


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    """Malformed JSON: where it broke, as file:line:column."""
    path = write(tmp_path, "bad.json", '[\n  {"@type": "ClaimReview",\n  "claimReviewed" "x"}\n]')
    assert problems(path) == [f"{path}:3:19: malformed JSON: Expecting ':' delimiter"]
    deep = write(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000)
    assert problems(deep) == [f"{deep}: malformed JSON: nested too deeply"]
    nested = write(tmp_path, "nested.json", [[[[[[[[[[[[[[review()]]]]]]]]]]]]]])
    assert problems(nested) == [f"{nested}: ClaimReviews nested more than 12 levels deep"]


def test_field_problems_are_all_named(tmp_path: Path) -> None:
    """Every problem of every item is reported, each naming its item and field: a missing
    claimReviewed, a missing rating, a bad date, a date in the future, a URL that is no link,
    an appearance that is no link, an explanation too long."""
    items = [
        review(claimReviewed=None),
        review(reviewRating=None, datePublished="kemarin"),
        review(datePublished="2027-01-01"),
        review(url="cekfakta.contoh.id/tanpa-skema"),
        review(itemReviewed={"@type": "Claim", "appearance": ["grup WA RT 03"]}),
        review(reviewBody="x" * 5000),
        review(claimReviewed={"@value": "  "}),
        review(claimReviewed=42),
    ]
    path = write(tmp_path, "r.json", items)
    assert problems(path) == [
        f"{path}: item 1 (claimReviewed): missing: the claim's text is required",
        f"{path}: item 2 (reviewRating): missing: a Rating with an alternateName is required",
        f"{path}: item 2 (datePublished): not a date like 2026-11-03 or "
        "2026-11-03T14:30:00+07:00: 'kemarin'",
        f"{path}: item 3 (datePublished): 2027-01-01 is in the future",
        f"{path}: item 4 (url): not a link (http:// or https://): 'cekfakta.contoh.id/tanpa-skema'",
        f"{path}: item 5 (itemReviewed.appearance[0]): not a link (http:// or https://): "
        "'grup WA RT 03'",
        f"{path}: item 6 (reviewBody): 5,000 characters, at most 4,096: a summary in "
        "`description` is enough",
        f"{path}: item 7 (claimReviewed): empty: the claim's text is required",
        f"{path}: item 8 (claimReviewed): not text: 42",
    ]


def test_no_claimreview_in_the_file(tmp_path: Path) -> None:
    """A JSON-LD page without a ClaimReview, or an empty CSV, imports nothing and says so."""
    page = write(tmp_path, "page.json", {"@type": "NewsArticle", "headline": "Berita"})
    assert problems(page) == [f"{page}: no ClaimReview in it: nothing to import"]
    empty = write(tmp_path, "empty.csv", "claim,verdict\n\n")
    assert problems(empty) == [f"{empty}: no row in it: nothing to import"]


def test_oversized_files_are_refused(tmp_path: Path) -> None:
    """Over 20 MB, or over 100,000 ClaimReviews or rows: refused before anything else, with
    what to do."""
    big = tmp_path / "big.json"
    with big.open("wb") as out:
        out.write(b"[" + b" " * (claimreview.MAX_BYTES) + b"]")
    assert problems(big) == [
        f"{big}: 20.0 MB, more than the 20 MB an import takes: split it into smaller files"
    ]
    too_many = claimreview_reader.MAX_ITEMS + 1
    many = write(tmp_path, "many.json", [{"@type": "ClaimReview"}] * too_many)
    assert problems(many) == [
        f"{many}: more than 100,000 ClaimReviews, the most an import takes: "
        "split it into smaller files"
    ]
    rows = "claim,verdict\n" + "Klaim,Salah\n" * too_many
    many_rows = write(tmp_path, "many.csv", rows)
    assert problems(many_rows) == [
        f"{many_rows}: more than 100,000 rows, the most an import takes: split it into "
        "smaller files"
    ]


def test_not_utf8_and_missing_file(tmp_path: Path) -> None:
    """A file in another encoding, or no file: one clear line."""
    latin = tmp_path / "latin.csv"
    latin.write_bytes("claim,verdict\nKlaim soal bansos,Salah \xe9\n".encode("latin-1"))
    assert problems(latin) == [f"{latin}:2: not UTF-8 text: save it as UTF-8"]
    missing = tmp_path / "tidak-ada.json"
    assert problems(missing) == [f"{missing}: cannot read: No such file or directory"]


def test_csv_problems_name_their_lines(tmp_path: Path) -> None:
    """CSV: every problem as file:line (a quoted field over two lines counts from where
    its row starts); unknown or missing columns are named from the header."""
    rows = (
        "claim,verdict,explanation,url,date\n"
        'Klaim pertama yang baik,Salah,"Penjelasan\nberbaris dua",https://contoh.id/a,2026-11-01\n'
        ",Salah,,,\n"
        "Klaim ketiga,Ngawur,,,\n"
        "Klaim keempat,Benar,,bukan-tautan,31-02-2026\n"
        "Klaim kelima,Benar,,,,kelebihan\n"
    )
    path = write(tmp_path, "r.csv", rows)
    assert problems(path) == [
        f"{path}:4: claim: empty: the claim's text is required",
        f"{path}:5: verdict: unknown rating 'Ngawur'",
        f"{path}:6: url: not a link (http:// or https://): 'bukan-tautan'",
        f"{path}:6: date: not a date like 2026-11-03 or 2026-11-03T14:30:00+07:00: '31-02-2026'",
        f"{path}:7: 6 fields, the header has 5",
    ]
    header = write(tmp_path, "h.csv", "klaim,verdik,tanggal\nKlaim,Salah,2026-11-01\n")
    assert problems(header) == [
        f"{header}:1: unknown column 'verdik' (the columns are claim, verdict, explanation, "
        "url, date)",
        f"{header}:1: no 'verdict' column (it is required)",
    ]


def test_csv_semicolons_and_indonesian_headers(tmp_path: Path) -> None:
    """A spreadsheet saved in an Indonesian locale (semicolons, a BOM, Indonesian column
    names, dates as 03/11/2026) reads as well; a row with no date is dated now."""
    rows = (
        "\ufeffKlaim;Putusan;Penjelasan;Tautan;Tanggal\n"
        "Air rebusan daun sirsak menyembuhkan kanker dalam 3 hari;Menyesatkan;"
        "Belum ada uji klinis.;https://contoh.id/sirsak;03/11/2026\n"
        "Gempa besar pasti terjadi Jumat depan;Hoaks;BMKG: gempa tak bisa diprediksi.;;\n"
    )
    found = read_reviews(write(tmp_path, "id.csv", rows), ZONE, NOW)
    assert [(r.verdict, r.url, r.at) for r in found] == [
        ("menyesatkan", "https://contoh.id/sirsak", at("2026-11-03")),
        ("hoaks", "", NOW),
    ]


def test_one_bad_item_among_good_ones_imports_nothing(
    tmp_path: Path, archive: HoaxArchive, config: Config
) -> None:
    """A feed of 50 good reviews and one with a bad date: the error names item 37, and the
    archive is as it was (a dry run says the same)."""
    items = [
        review(claimReviewed=f"Klaim nomor {n} soal bantuan sosial", url=f"https://contoh.id/{n}")
        for n in range(1, 51)
    ]
    items.insert(36, review(datePublished="2026-13-45"))
    path = write(tmp_path, "feed.json", {"@type": "DataFeed", "dataFeedElement": items})
    for dry_run in (True, False):
        with pytest.raises(ClaimReviewError) as caught:
            hoaxes_cli.import_file(archive, config, path, dry_run=dry_run)
        assert caught.value.problems == [
            f"{path}: item 37 (datePublished): not a date like 2026-11-03 or "
            "2026-11-03T14:30:00+07:00: '2026-13-45'"
        ]
        assert archive.count() == 0


def test_duplicates_within_the_file_and_against_the_archive(
    tmp_path: Path, archive: HoaxArchive, config: Config
) -> None:
    """Skipped by url: the same page (www., http and a trailing slash aside) on the same or a
    reworded claim, earlier in the file or imported before; by claim: the same text (case,
    accents and punctuation aside) on any page, or a staff verdict's. Another claim on a
    page already seen is a review of its own. Counted apart; running it again adds none."""
    staff = Claim(
        id="HKS-2611-0007",
        text="Gempa besar pasti terjadi Jumat depan",
        verdict="hoaks",
        explanation="BMKG: gempa tidak bisa diprediksi.",
        sources="https://bmkg.go.id/press/gempa",
        at=NOW - 86400,
        ticket="HKS-2611-0007",
        fingerprint=Fingerprint.of("Gempa besar pasti terjadi Jumat depan", []),
    )
    archive.add_claim(staff)
    first = write(tmp_path, "first.json", review())
    assert "imported 1 verdict(s)" in hoaxes_cli.import_file(archive, config, first, False)
    beras = "Beras plastik beredar di pasar Cilegon, campur beras asli"
    items = [
        review(url="http://www.cekfakta.contoh.id/2026/11/salah-vaksin-campak-mengandung-chip/"),
        review(claimReviewed=beras, url="https://contoh.id/b"),
        review(claimReviewed=beras, url="https://contoh.id/c"),
        review(claimReviewed="BERAS PLASTIK beredar di pasar Cilegon; campur beras asli", url=None),
        review(
            claimReviewed="Kini beras plastik beredar di pasar Cilegon dicampur dengan beras asli",
            url="https://contoh.id/b/",
        ),
        review(claimReviewed="gempa besar PASTI terjadi jumat depan.", url="https://contoh.id/g"),
        review(claimReviewed="Sinyal 5G menyebarkan virus", url="https://contoh.id/b"),
        review(claimReviewed="Sinyal 5G menyebarkan virus", url="https://contoh.id/5g"),
    ]
    path = write(tmp_path, "more.json", items)
    said = hoaxes_cli.import_file(archive, config, path, dry_run=False)
    assert said == (
        f"imported 2 verdict(s) of 8 in {path} (6 duplicate(s) skipped: 2 by url, 4 by claim; "
        "0 errors); the archive holds 4"
    )
    texts = sorted(c.text for c in archive.claims())
    assert texts == [
        "Beras plastik beredar di pasar Cilegon, campur beras asli",
        "Gempa besar pasti terjadi Jumat depan",
        "Sinyal 5G menyebarkan virus",
        VAKSIN,
    ]
    again = hoaxes_cli.import_file(archive, config, path, dry_run=False)
    assert again.startswith("imported 0 verdict(s) of 8")
    assert "(8 duplicate(s) skipped: 4 by url, 4 by claim" in again


def test_several_claims_reviewed_on_one_page(
    tmp_path: Path, archive: HoaxArchive, config: Config
) -> None:
    """One article reviewing three claims (three ClaimReviews with one url, as Google's
    markup allows): all three are imported, each under an id of its own."""
    page = "https://cekfakta.contoh.id/2026/11/tiga-hoaks-banjir-pekan-ini"
    items = [
        review(claimReviewed=text, url=page, reviewRating={"alternateName": rating})
        for text, rating in (
            ("Bendungan Karian jebol dan air menuju Cilegon malam ini", "Hoaks"),
            ("Video banjir bandang di Merak direkam kemarin", "Konteks Keliru"),
            ("Posko banjir membagikan uang tunai Rp500.000 per KK lewat tautan", "Penipuan"),
        )
    ]
    said = hoaxes_cli.import_file(archive, config, write(tmp_path, "p.json", items), False)
    assert said.startswith("imported 3 verdict(s) of 3")
    claims = archive.claims()
    assert len({c.id for c in claims}) == 3
    assert sorted(c.verdict for c in claims) == ["hoaks", "konteks keliru", "penipuan"]
    assert {c.sources for c in claims} == {page}


def test_dry_run_counts_and_writes_nothing(archive: HoaxArchive, config: Config) -> None:
    """--dry-run: the same checks and counts, and the archive unchanged."""
    said = hoaxes_cli.import_file(archive, config, DATA / "list.json", dry_run=True)
    assert said == (
        f"dry run: 2 verdict(s) of 2 in {DATA / 'list.json'} would be imported (0 duplicate(s) "
        "skipped: 0 by url, 0 by claim; 0 errors); nothing was written"
    )
    assert archive.count() == 0


def staff_claims() -> list[Claim]:
    """Verdicts as staff give them: with several sources, with none, with the same first
    source as another, and a picture alone."""
    texts = [
        (
            "HKS-2611-0001",
            "Beredar pesan: minum air kelapa campur garam sembuhkan demam berdarah dalam 1 hari",
            "menyesatkan",
            "Air kelapa membantu cairan tubuh, tetapi DBD perlu diperiksa ke puskesmas.",
            "https://dinkes.contoh.go.id/dbd\nSiaran pers Dinkes 2 November 2026",
        ),
        (
            "HKS-2611-0002",
            "Pemilu ulang di Kecamatan Jombang tanggal 30 November",
            "hoaks",
            "KPU tidak menjadwalkan pemungutan suara ulang.",
            "",
        ),
        (
            "HKS-2611-0004",
            "Fogging DBD gratis keliling rumah, bayar Rp50.000 ke petugas yang datang",
            "penipuan",
            "Fogging dari puskesmas tidak dipungut biaya; laporkan petugas yang meminta uang.",
            "https://dinkes.contoh.go.id/dbd",
        ),
        ("HKS-2611-0003", "", "dimanipulasi", "Foto banjir itu dari 2019, bukan kemarin.", ""),
    ]
    return [
        Claim(
            id=ident,
            text=text,
            verdict=verdict,
            explanation=why,
            sources=sources,
            at=NOW - 3600 * n,
            ticket=ident,
            fingerprint=Fingerprint.of(text, ["c3d4e5f6a7b8c9d0"] if not text else []),
        )
        for n, (ident, text, verdict, why, sources) in enumerate(texts, 1)
    ]


def test_export_is_claimreview_json_ld(archive: HoaxArchive) -> None:
    """Each verdict with text, oldest first: the operator as author, the 1-5 rating with the
    verdict residents see as its alternateName, the time in the deployment's zone, the first
    source link as url, the other sources as citations; a picture alone is left out."""
    for claim in staff_claims():
        archive.add_claim(claim)
    out = io.StringIO()
    operator = "Diskominfo Kota Contoh"
    assert claimreview.write_export(archive, out, operator, ZONE) == (3, 1)
    exported = json.loads(out.getvalue())
    assert [item["claimReviewed"] for item in exported] == [
        "Fogging DBD gratis keliling rumah, bayar Rp50.000 ke petugas yang datang",
        "Pemilu ulang di Kecamatan Jombang tanggal 30 November",
        "Beredar pesan: minum air kelapa campur garam sembuhkan demam berdarah dalam 1 hari",
    ]
    fogging, pemilu, kelapa = exported
    assert pemilu == {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": "Pemilu ulang di Kecamatan Jombang tanggal 30 November",
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": 1,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": "HOAKS",
        },
        "itemReviewed": {"@type": "Claim"},
        "author": {"@type": "Organization", "name": operator},
        "datePublished": "2026-11-20T08:00:00+07:00",
        "inLanguage": "id",
        "reviewBody": "KPU tidak menjadwalkan pemungutan suara ulang.",
    }
    assert kelapa["url"] == "https://dinkes.contoh.go.id/dbd"
    assert kelapa["citation"] == ["Siaran pers Dinkes 2 November 2026"]
    assert kelapa["reviewRating"]["ratingValue"] == 2
    assert kelapa["reviewRating"]["alternateName"] == "MENYESATKAN"
    assert fogging["url"] == kelapa["url"]
    assert "citation" not in fogging
    empty = io.StringIO()
    archive.redis.flushdb()
    assert claimreview.write_export(archive, empty, operator, ZONE) == (0, 0)
    assert json.loads(empty.getvalue()) == []


def test_export_then_import_gives_the_same_claims(
    tmp_path: Path, archive: HoaxArchive, config: Config
) -> None:
    """Export, then import into an empty archive: the same verdicts, texts, explanations,
    sources and times, found by residents' requests as before; importing again adds none."""
    given = staff_claims()
    for claim in given:
        archive.add_claim(claim)
    out = tmp_path / "arsip.json"
    assert hoaxes_cli.export(archive, config, out) == (
        f"exported 3 verdict(s) as ClaimReview to {out}; 1 with a picture and no text left out "
        "(ClaimReview needs a claim)"
    )
    archive.redis.flushdb()
    said = hoaxes_cli.import_file(archive, config, out, dry_run=False)
    assert said.startswith("imported 3 verdict(s) of 3")
    back = {c.text: c for c in archive.claims()}
    assert len(back) == 3
    for claim in given:
        if not claim.text:
            continue
        imported = back[claim.text]
        assert (imported.verdict, imported.explanation, imported.at) == (
            claim.verdict,
            claim.explanation,
            claim.at,
        )
        assert sorted(imported.sources.splitlines()) == sorted(claim.sources.splitlines())
        assert imported.ticket == ""
    asked = Fingerprint.of("pemilu ulang di kec. jombang tgl 30 november??", [])
    found = archive.best_claim(asked)
    assert found is not None
    assert found[0].text == given[1].text
    assert hoaxes_cli.import_file(archive, config, out, dry_run=False).startswith("imported 0")


def test_kimbot_hoaxes_refusals(
    tmp_path: Path,
    redis_url: str,
    archive: HoaxArchive,
    config: Config,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Through `kimbot`: an import of a missing file and an export to a directory that does
    not exist exit 1 with one line each, leaving the archive and the directory as they were."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    cfg = ["--config", str(ROOT / "config.yaml")]
    missing = tmp_path / "tidak-ada.json"
    assert cli.main(["hoaxes", "import", str(missing), *cfg]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-2:] == [
        f"{missing}: cannot read: No such file or directory",
        f"kimbot hoaxes import: nothing imported from {missing}: 1 problem(s)",
    ]
    out = tmp_path / "belum-ada" / "arsip.json"
    assert cli.main(["hoaxes", "export", "--out", str(out), *cfg]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"kimbot hoaxes export: cannot write {out}: No such file or directory"
    )
    assert not out.parent.exists()
    assert archive.count() == 0

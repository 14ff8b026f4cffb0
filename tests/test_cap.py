"""Issue 17: CAP 1.2 documents read and checked (bot/alerts/cap.py). The documents in
tests/data/cap were written for these tests from the specification. Every problem is
named by its element, and hostile XML (an entity bomb, a 50 MB file) is refused before
it costs anything."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.alerts import cap
from tests.support.constants import ROOT

CAP_DIR = ROOT / "tests" / "data" / "cap"
WIB = timezone(timedelta(hours=7))


def document(name: str) -> bytes:
    """A test CAP document's bytes."""
    return (CAP_DIR / name).read_bytes()


def problems(data: bytes) -> tuple[str, ...]:
    """The problems `parse` reports for `data` (it must refuse it)."""
    with pytest.raises(cap.CapError) as caught:
        cap.parse(data)
    return caught.value.problems


def test_the_tsunami_warning_reads_whole() -> None:
    """Every field of the earthquake and tsunami alert, both languages, all geocodes."""
    alert = cap.parse(document("cilegon-tsunami.xml"))
    assert (alert.identifier, alert.sender) == ("TEWS-20260921210500", "inatews@bmkg.go.id")
    assert alert.sent == datetime(2026, 9, 21, 21, 5, tzinfo=WIB)
    assert (alert.status, alert.msg_type, alert.scope) == ("Actual", "Alert", "Public")
    assert alert.codes == ("IDN",)
    assert alert.references == ()
    indonesian, english = alert.infos
    assert indonesian.language == "id-ID"
    assert indonesian.categories == ("Geo",)
    assert indonesian.response_types == ("Evacuate",)
    assert (indonesian.urgency, indonesian.severity, indonesian.certainty) == (
        "Immediate",
        "Extreme",
        "Observed",
    )
    assert indonesian.onset == datetime(2026, 9, 21, 21, 3, 12, tzinfo=WIB)
    assert indonesian.headline == "Peringatan dini tsunami di pesisir Kota Cilegon"
    assert indonesian.instruction.startswith("Segera menjauhi pantai")
    assert indonesian.parameters == (cap.Pair("magnitude", "7.1"),)
    coast, pandeglang = indonesian.areas
    assert coast.desc == "Pesisir Kota Cilegon"
    assert [g.value for g in coast.geocodes] == ["36.72.03", "367206", "36.72.04", "36.72.08"]
    assert pandeglang.geocodes == (cap.Pair("ADM2", "36.01"),)
    assert english.language == "en-US"
    assert english.headline == "Tsunami warning for the coast of Cilegon"
    assert alert.expires == datetime(2026, 9, 22, 3, 5, tzinfo=WIB)
    assert alert.severity == "Extreme"


def test_updates_and_cancels_name_what_they_change() -> None:
    """`references` are read as (sender, identifier, sent) triples; a Cancel may have no info."""
    update = cap.parse(document("cilegon-tsunami-update.xml"))
    assert update.msg_type == "Update"
    assert update.references == (
        cap.Reference("inatews@bmkg.go.id", "TEWS-20260921210500", "2026-09-21T21:05:00+07:00"),
    )
    cancel = cap.parse(document("cilegon-tsunami-cancel.xml"))
    assert cancel.msg_type == "Cancel"
    assert [r.identifier for r in cancel.references] == [
        "TEWS-20260921210500",
        "TEWS-20260921213000",
    ]
    assert cancel.infos == ()
    assert cancel.expires is None
    assert cancel.severity == "Unknown"


def test_a_polygon_and_a_circle_are_read_as_points() -> None:
    """A closed polygon of lat,lon pairs and a circle with its radius in kilometres."""
    rain = cap.parse(document("majalengka-rain.xml"))
    (area,) = rain.infos[0].areas
    assert area.polygons == (
        ((-6.95, 108.30), (-6.95, 108.45), (-7.05, 108.45), (-7.05, 108.30), (-6.95, 108.30)),
    )
    circled = document("majalengka-rain.xml").replace(
        b"</polygon>", b"</polygon><circle> -6.9,108.2  5.5 </circle>"
    )
    assert cap.parse(circled).infos[0].areas[0].circles == (cap.Circle(-6.9, 108.2, 5.5),)


def test_malformed_xml_is_refused_with_its_position() -> None:
    """Broken XML says so, with the line and column the parser stopped at."""
    (problem,) = problems(document("malformed.xml"))
    assert problem.startswith("document: not well-formed XML")
    assert "line 7" in problem


def test_another_namespace_or_root_is_refused() -> None:
    """CAP 1.1's namespace, no namespace, or a feed are not CAP 1.2 alerts."""
    (problem,) = problems(document("wrong-namespace.xml"))
    assert "urn:oasis:names:tc:emergency:cap:1.1" in problem
    assert "a CAP 1.2 alert is 'alert' in urn:oasis:names:tc:emergency:cap:1.2" in problem
    (problem,) = problems(b"<alert><identifier>x</identifier></alert>")
    assert "namespace 'none'" in problem
    (problem,) = problems(b'<rss version="2.0"><channel/></rss>')
    assert "an RSS/Atom feed, not a CAP alert" in problem


def test_missing_required_elements_are_each_named() -> None:
    """No sender, an info without certainty, an area without areaDesc: three lines."""
    assert problems(document("missing-element.xml")) == (
        "alert.sender: missing (required)",
        "info[0].certainty: missing (one of Observed, Likely, Possible, Unlikely, Unknown)",
        "info[0].area[0].areaDesc: missing (required)",
    )


def test_values_outside_the_enumerations_are_each_named() -> None:
    """Every bad value is reported at once, with the allowed values."""
    assert problems(document("bad-enumeration.xml")) == (
        "alert.identifier: 'BAD ENUM' has a space, comma, '<' or '&', which CAP forbids",
        "alert.sent: '2026-09-21 21:05' is not a CAP time like 2026-12-02T20:15:00+07:00",
        "alert.status: 'actual' is not one of Actual, Exercise, System, Test, Draft",
        "info[0].category[0]: 'Weather' is not one of Geo, Met, Safety, Security, Rescue, "
        "Fire, Health, Env, Transport, Infra, CBRNE, Other",
        "info[0].severity: 'Severee' is not one of Extreme, Severe, Moderate, Minor, Unknown",
        "info[0].area[0].polygon[0]: 3 point(s); a polygon needs at least 4",
        "info[0].area[0].circle[0]: '-5.95,106.05' is not 'lat,lon radius' (kilometres)",
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            (b"<msgType>Alert</msgType>", b"<msgType>Update</msgType>"),
            "alert.references: an Update must name the alert it changes",
        ),
        (
            (b"<code>IDN</code>", b"<references>TEWS-1,2026-09-21T21:05:00+07:00</references>"),
            "alert.references: 'TEWS-1,2026-09-21T21:05:00+07:00' is not sender,identifier,sent",
        ),
        (
            (b"<scope>Public</scope>", b"<scope>Restricted</scope>"),
            "alert.restriction: required when scope is Restricted",
        ),
        (
            (b"<sent>2026-09-21T21:05:00+07:00", b"<sent>2026-09-21T21:05:00"),
            "alert.sent: '2026-09-21T21:05:00' is not a CAP time",
        ),
        (
            (b"<valueName>magnitude</valueName>", b""),
            "info[0].parameter[0]: needs both valueName and value",
        ),
        (
            (
                b"<value>36.01</value></geocode>",
                b"<value>36.01</value></geocode><polygon>"
                b"-6.1,105.8 -6.1,105.9 -6.2,105.9 -6.2,105.8</polygon>",
            ),
            "info[0].area[1].polygon[0]: the first point must equal the last",
        ),
        (
            (
                b"<value>36.01</value></geocode>",
                b"<value>36.01</value></geocode><circle>-96.1,105.8 10</circle>",
            ),
            "info[0].area[1].circle[0]: '-96.1,105.8' is outside -90..90, -180..180",
        ),
    ],
)
def test_rules_between_elements(change: tuple[bytes, bytes], problem: str) -> None:
    """What one element requires of another, times with offsets, pairs and shapes."""
    data = document("cilegon-tsunami.xml").replace(*change)
    assert any(p.startswith(problem) for p in problems(data)), problems(data)


def test_a_billion_laughs_is_refused_before_any_expansion() -> None:
    """A DTD with nested entities is refused at its declaration: nothing is expanded."""
    (problem,) = problems(document("billion-laughs.xml"))
    assert problem == (
        "document: it declares a DTD or entities (CAP needs neither): refused before "
        "expanding anything"
    )


def test_an_external_entity_is_refused() -> None:
    """A DTD pointing at a local file is refused the same way (no file is read)."""
    data = (
        b'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><note>&x;</note></alert>'
    )
    assert problems(data)[0].startswith("document: it declares a DTD or entities")


class CountingReader(io.RawIOBase):
    """A stream of `size` bytes that counts how many were read."""

    def __init__(self, size: int) -> None:
        self.size, self.given = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.size - self.given)
        buffer[:n] = b"x" * n
        self.given += n
        return n


def test_a_50_mb_file_is_refused_having_read_one_megabyte(tmp_path: Path) -> None:
    """`read` stops just past the limit: the rest of a 50 MB file is never read."""
    big = tmp_path / "big.xml"
    with big.open("wb") as handle:
        handle.write(b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><note>')
        handle.truncate(50_000_000)
    with big.open("rb") as handle:
        with pytest.raises(cap.CapError) as caught:
            cap.read(handle)
        assert handle.tell() == cap.MAX_BYTES + 1
    assert caught.value.problems == (
        "document: larger than 1,000,000 bytes; a CAP alert is far smaller",
    )
    stream = CountingReader(50_000_000)
    with pytest.raises(cap.CapError):
        cap.read(io.BufferedReader(stream))
    assert stream.given < 2 * cap.MAX_BYTES
    assert problems(b" " * (cap.MAX_BYTES + 1))[0].startswith("document: larger than")


def test_a_document_within_the_limit_is_read_whole() -> None:
    """`read` gives back a document under the limit as it is."""
    data = document("test-alert.xml")
    assert cap.read(io.BytesIO(data)) == data
    assert cap.parse(data).status == "Test"


def test_documents_of_a_file_are_itself_or_a_feeds_embedded_alerts() -> None:
    """A CAP document is its own one document; a feed gives each alert it embeds as a
    document `parse` reads; a hostile feed is refused like a hostile alert."""
    data = document("test-alert.xml")
    assert cap.documents(data) == [data]
    body = data.split(b"?>", 1)[1]
    feed = b"<rss version='2.0'><channel><item>" + body + b"</item></channel></rss>"
    (embedded,) = cap.documents(feed)
    assert cap.parse(embedded) == cap.parse(data)
    laughs = document("billion-laughs.xml").replace(b"<alert ", b"<rss><alert ", 1)
    with pytest.raises(cap.CapError, match="declares a DTD or entities"):
        cap.documents(laughs.replace(b"</alert>", b"</alert></rss>"))

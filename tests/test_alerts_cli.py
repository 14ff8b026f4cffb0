"""Issue 17: early warnings on record (bot/alerts/store.py) and `kimbot alerts ingest` /
`list` (handlers/alerts_cli.py). Each alert is stored once with its villages, decision
and chain; a refused document stores nothing at all."""

from __future__ import annotations

import argparse
import io
import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.alerts import cap
from bot.alerts.decision import ALL_CLEAR, AUTO, DRAFT, EXPIRED, IGNORED, STAFF
from bot.alerts.store import Ingested
from bot.audit import ACTIONS, actors
from bot.platform.clock import FixedClock
from bot.platform.config import Config, ConfigError, load_config
from bot.platform.store import Redis, connect
from bot.regions import importer
from bot.services import Services
from handlers import alerts_cli, audit_cli, cli
from handlers.wiring import build_services
from tests.support.processes import write_config
from tests.test_cap import CAP_DIR, document

REFUSED = [
    "malformed.xml",
    "wrong-namespace.xml",
    "missing-element.xml",
    "bad-enumeration.xml",
    "billion-laughs.xml",
]


def alert_keys(redis: Redis) -> list[str]:
    """Every early-warning key in Redis."""
    return sorted(str(k) for k in redis.scan_iter("kim:al*"))


def ingest(services: Services, name: str) -> Ingested:
    """Ingest a test document as the operator."""
    return services.alerts.ingest(document(name), name, actors.operator())


def run(services: Services, *argv: str, stdin: bytes = b"") -> int:
    """`kimbot alerts …` against these services (their clock)."""
    parser = argparse.ArgumentParser()
    alerts_cli.register(parser.add_subparsers(dest="command"), {"config": "", "data_dir": ""})
    args = parser.parse_args(["alerts", *argv])
    return alerts_cli.command(services, args, io.BytesIO(stdin))


def test_the_tsunami_warning_is_stored_once_and_goes_out_at_once(
    services: Services, redis: Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    """Extreme and Actual: `auto`, covering the four coastal kecamatan; ingested again,
    it is the same record, says so, and writes no second audit entry."""
    assert run(services, "ingest", str(CAP_DIR / "cilegon-tsunami.xml")) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "stored: #1 TEWS-20260921210500 · Gempabumi dan Peringatan Dini Tsunami · "
        "Actual/Alert · Extreme · Kec. Pulomerak, Kec. Ciwandan, Kec. Gerogol, "
        "Kec. Citangkil · auto (Actual, Extreme: at once)"
    )
    assert out[1:] == [
        "  area 'Pesisir Kabupaten Pandeglang': outside the deployment, left out",
        "  delivery: sending as broadcast #1",
    ]
    record = services.alerts.get("1")
    assert record is not None
    assert (record.decision, record.root, len(record.villages)) == (AUTO, "1", 21)
    assert record.expires == datetime.fromisoformat("2026-09-22T03:05:00+07:00").timestamp()
    assert services.alerts.find("inatews@bmkg.go.id", "TEWS-20260921210500") == record
    (entry,) = services.audit.entries(0, 4e9, action_prefix="alert.")
    assert (entry.action, entry.actor, entry.object) == ("alert.ingested", "operator", "alert:1")
    assert entry.scope == "36.72.03,36.72.04,36.72.06,36.72.08"
    assert dict(entry.detail) == {
        "event": "Gempabumi dan Peringatan Dini Tsunami",
        "status": "Actual",
        "kind": "Alert",
        "severity": "Extreme",
        "decision": "auto",
        "villages": 21,
    }
    keys = alert_keys(redis)

    assert run(services, "ingest", "-", stdin=document("cilegon-tsunami.xml")) == 0
    assert capsys.readouterr().out.startswith("already on record as #1, stored once: #1 ")
    assert alert_keys(redis) == keys
    assert len(services.audit.entries(0, 4e9, action_prefix="alert.")) == 1
    assert services.alerts.chain("1") == [record]
    parsed = services.alerts.alert("1")
    assert parsed is not None
    assert parsed.infos[1].language == "en-US"


def test_an_update_and_a_cancel_join_the_chain_of_the_alert_they_change(
    services: Services,
) -> None:
    """The Update refers to the first alert, the Cancel to both: one chain, root first;
    the Cancel is the all-clear for every village the chain reached."""
    first = ingest(services, "cilegon-tsunami.xml").record
    update = ingest(services, "cilegon-tsunami-update.xml")
    assert (update.record.references, update.record.root) == (("1",), "1")
    assert update.record.decision == AUTO  # Severe
    assert {v[:8] for v in update.record.villages} == {"36.72.03", "36.72.06"}
    cancel = ingest(services, "cilegon-tsunami-cancel.xml").record
    assert (cancel.decision, cancel.references, cancel.root) == (ALL_CLEAR, ("1", "2"), "1")
    assert cancel.villages == first.villages
    assert [r.id for r in services.alerts.chain("1")] == ["1", "2", "3"]
    assert services.alerts.chain("2") == []
    assert alerts_cli.line(services, cancel).endswith(
        "· all-clear (cancels an alert on record: the all-clear to its recipients)"
        " · changes #1, #2 (chain #1)"
    )


def test_a_cancel_or_update_of_an_alert_never_seen(services: Services) -> None:
    """A Cancel of nothing on record is ignored (no one was told); an Update of an
    unknown alert starts a chain of its own and names the reference it could not find."""
    cancel = ingest(services, "cilegon-tsunami-cancel.xml")
    assert (cancel.record.decision, cancel.record.references) == (IGNORED, ())
    assert cancel.record.reason == "cancels no alert on record: no one was told"
    assert [r.identifier for r in cancel.unknown_references] == [
        "TEWS-20260921210500",
        "TEWS-20260921213000",
    ]
    update = ingest(services, "cilegon-tsunami-update.xml")
    assert (update.record.root, update.record.decision) == (update.record.id, AUTO)


def test_expired_test_and_moderate_alerts_take_their_paths(
    services: Services, clock: FixedClock
) -> None:
    """Expired: never sent; Test: staff only; a Severe Actual alert with no <expires>
    expires `default_expiry_hours` after it was sent."""
    assert ingest(services, "expired.xml").record.decision == EXPIRED
    assert ingest(services, "test-alert.xml").record.decision == STAFF
    late = document("cilegon-tsunami.xml").replace(b"TEWS-20260921210500", b"LATE-1")
    late = late.replace(b"<expires>2026-09-22T03:05:00+07:00</expires>", b"")
    clock.advance(23 * 3600)
    assert services.alerts.ingest(late, "late", actors.system()).record.decision == AUTO
    clock.advance(3600)
    later = late.replace(b"LATE-1", b"LATE-2")
    record = services.alerts.ingest(later, "later", actors.system()).record
    assert (record.decision, record.reason) == (
        EXPIRED,
        "expired before it was ingested: never sent",
    )


def test_the_majalengka_nowcast_is_drafted_for_a_superadmin(
    config: Config, redis: Redis, clock: FixedClock, tmp_path: Path
) -> None:
    """A Majalengka deployment (its tree as `kimbot regions import 32.10` writes it): the
    Moderate heavy-rain nowcast covers the five named kecamatan and awaits approval."""
    tree = importer.build_tree("32.10", importer.read_rows(importer.bundled_csv()), {})
    data = config.model_dump(mode="json")
    roles = dict(data["roles"], admins=[])
    path = write_config(
        config, tmp_path / "majalengka.yaml", regions=tree, channels={}, roles=roles
    )
    services = build_services(load_config(path), redis, clock)
    record = ingest(services, "majalengka-rain.xml").record
    assert record.decision == DRAFT
    assert record.reason == "Actual, Moderate: awaits a superadmin's approval"
    assert alerts_cli.line(services, record).split(" · ")[4] == (
        "Kec. Lemahsugih, Kec. Bantarujeg, Kec. Cikijing, Kec. Talaga, Kec. Malausma"
    )
    tsunami = ingest(services, "cilegon-tsunami.xml").record
    assert (tsunami.decision, tsunami.villages) == (IGNORED, ())


@pytest.mark.parametrize("name", REFUSED)
def test_refused_documents_store_nothing(
    services: Services, redis: Redis, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each problem printed with the file's name, exit status 1, no key and no audit entry."""
    path = str(CAP_DIR / name)
    assert run(services, "ingest", path) == 1
    err = capsys.readouterr().err.splitlines()
    with pytest.raises(cap.CapError) as caught:
        cap.parse(document(name))
    assert err[:-1] == [f"{path}: {p}" for p in caught.value.problems]
    assert err[-1] == (
        f"kimbot alerts ingest: nothing stored from {path}: {len(caught.value.problems)} problem(s)"
    )
    assert alert_keys(redis) == []
    assert services.audit.entries(0, 4e9) == []


def test_a_50_mb_file_and_a_missing_one_store_nothing(
    services: Services, redis: Redis, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The 50 MB file is refused by its size, from a file or standard input."""
    big = tmp_path / "big.xml"
    with big.open("wb") as handle:
        handle.write(document("cilegon-tsunami.xml")[:-10])
        handle.truncate(50_000_000)
    assert run(services, "ingest", str(big)) == 1
    assert "larger than 1,000,000 bytes" in capsys.readouterr().err
    assert run(services, "ingest", "-", stdin=big.read_bytes()) == 1
    assert capsys.readouterr().err.startswith("standard input: document: larger than 1,000,000")
    assert run(services, "ingest", str(tmp_path / "none.xml")) == 1
    assert "cannot read" in capsys.readouterr().err
    assert alert_keys(redis) == []


def fresh(name: str) -> bytes:
    """A test document moved to today (its expiry tomorrow), for the real clock."""
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    data = document(name).replace(b"2026-09-22", str(today + timedelta(days=1)).encode())
    return data.replace(b"2026-09-21", str(today).encode())


def test_kimbot_alerts_ingest_and_list(
    config: Config,
    redis_url: str,
    redis: Redis,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Through `kimbot`, on the running bot's Redis: a file and standard input in, the
    list newest first with each decision."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    cfg = ["--config", str(write_config(config, tmp_path / "config.yaml"))]
    assert cli.main(["alerts", "list", *cfg]) == 0
    assert capsys.readouterr().out == "no alerts on record\n"
    tsunami = tmp_path / "tsunami.xml"
    tsunami.write_bytes(fresh("cilegon-tsunami.xml"))
    assert cli.main(["alerts", "ingest", str(tsunami), *cfg]) == 0
    assert capsys.readouterr().out.startswith("stored: #1 TEWS-20260921210500 ")
    stdin = io.TextIOWrapper(io.BytesIO(fresh("test-alert.xml")))
    monkeypatch.setattr("sys.stdin", stdin)
    assert cli.main(["alerts", "ingest", "-", *cfg]) == 0
    assert "· Test/Alert · Extreme · Kota Cilegon · staff" in capsys.readouterr().out
    assert cli.main(["alerts", "list", *cfg]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split(" · ")[5].split(" (")[0] for line in listed] == ["staff", "auto"]
    assert listed[1].endswith(" · broadcast #1 queued, reached 0")  # no worker runs here
    assert listed[0].split(" ", 2)[2].startswith("#2 TEWS-TEST-20260921 · Uji Coba · Test/Alert")
    assert listed[0].split(" · ")[4] == "Kota Cilegon"
    assert cli.main(["alerts", "ingest", str(CAP_DIR / "malformed.xml"), *cfg]) == 1
    assert redis.zcard("kim:al:index") == 2


def test_the_audit_export_names_an_ingest_in_words(services: Services) -> None:
    """`kimbot audit export` shows the alert as "Peringatan dini #1" and labels its detail."""
    ingest(services, "test-alert.xml")
    (entry,) = services.audit.entries(0, 4e9)
    tr = services.translator("id")
    assert audit_cli.object_text(tr, entry.object) == "Peringatan dini #1"
    assert tr._(ACTIONS[entry.action]) == "Peringatan dini diterima"
    assert audit_cli.scope_text(services, entry.scope) == "Kota Cilegon"
    labels = {tr._(audit_cli.DETAIL_LABELS[key]) for key in entry.detail}
    assert labels >= {"kejadian", "tingkat bahaya", "keputusan", "desa/kelurahan"}


def test_the_same_alert_from_four_processes_at_once_is_stored_once(
    config: Config, redis_url: str, redis: Redis, clock: FixedClock
) -> None:
    """Four connections ingest the same alert together: one stores it, three are told it
    is on record; one record, one chain entry, one audit entry."""
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def one() -> None:
        with connect(redis_url) as client:
            services = build_services(config, client, clock)
            barrier.wait()
            results.append(ingest(services, "cilegon-tsunami.xml").duplicate)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True, True, True]
    assert redis.hlen("kim:al:keys") == 1
    assert redis.zcard("kim:al:index") == 1
    (stored,) = redis.zrange("kim:al:index", 0, -1)
    assert redis.llen(f"kim:al:{stored}:chain") == 1
    assert redis.xlen("kim:audit") == 1


@pytest.mark.parametrize(
    ("alerts", "problem"),
    [
        ({"interval_seconds": 30}, "alerts.interval_seconds"),
        ({"feeds": ["ftp://bmkg.go.id/cap.xml"]}, "alerts.feeds[0]"),
        ({"immediate_severities": ["Severee"]}, "alerts.immediate_severities[0]"),
        ({"default_expiry_hours": 0}, "alerts.default_expiry_hours"),
    ],
)
def test_the_alerts_section_is_checked(
    config: Config, tmp_path: Path, alerts: dict[str, object], problem: str
) -> None:
    """A poll more often than once a minute, a feed that is not http(s), an unknown
    severity and a zero expiry are refused with the key's path."""
    path = write_config(config, tmp_path / "config.yaml", alerts=alerts)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert any(problem in line for line in caught.value.problems), caught.value.problems


def test_an_alert_for_another_region_is_ignored(services: Services, clock: FixedClock) -> None:
    """Majalengka's nowcast in Cilegon covers nothing: ignored, and said so even once it
    has expired (outside the deployment says more)."""
    record = ingest(services, "majalengka-rain.xml").record
    assert (record.decision, record.reason, record.villages) == (
        IGNORED,
        "no area in the deployment",
        (),
    )
    clock.advance(86400)
    later = document("majalengka-rain.xml").replace(b"2100</identifier>", b"2101</identifier>")
    assert services.alerts.ingest(later, "later", actors.system()).record.decision == IGNORED


def atom(*names: str) -> bytes:
    """An Atom feed whose entries embed these test documents' alerts."""
    entries = b"".join(
        b"<entry><title>Peringatan</title><content type='application/cap+xml'>"
        + document(name).split(b"?>", 1)[1]
        + b"</content></entry>"
        for name in names
    )
    return b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">' + entries + b"</feed>"


def test_a_feed_file_embedding_alerts_stores_each(
    services: Services, redis: Redis, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two alerts in an Atom feed's entries: both stored, each printed; a feed with one bad
    alert stores none of them; a feed that only links to CAP is refused with a hint."""
    feed = tmp_path / "feed.xml"
    feed.write_bytes(atom("cilegon-tsunami.xml", "test-alert.xml"))
    assert run(services, "ingest", str(feed)) == 0
    out = capsys.readouterr().out
    assert "stored: #1 TEWS-20260921210500" in out
    assert "stored: #2 TEWS-TEST-20260921" in out
    record = services.alerts.get("1")
    assert record is not None
    assert record.origin == str(feed)
    stored = services.alerts.alert("1")
    assert stored is not None
    assert stored.infos[0].headline == "Peringatan dini tsunami di pesisir Kota Cilegon"
    keys = alert_keys(redis)

    feed.write_bytes(atom("expired.xml", "missing-element.xml"))
    assert run(services, "ingest", str(feed)) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"{feed}: item[1].alert.sender: missing (required)"
    assert alert_keys(redis) == keys

    feed.write_bytes(
        b'<rss version="2.0"><channel><item><link>https://example.org/cap/1.xml</link>'
        b"</item></channel></rss>"
    )
    assert run(services, "ingest", str(feed)) == 1
    assert "an RSS/Atom feed with no CAP 1.2 alert inside" in capsys.readouterr().err
    assert alert_keys(redis) == keys

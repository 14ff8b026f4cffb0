"""The labelled hoax-matching set, bench/data/hoax_claims.json, keeps its shape: enough
claims in every topic, verdicts from our list, at least three variants and exactly three
near misses per claim, no text twice, sensible lengths, only invented phone numbers, and no
government domain inside a hoax's own text. bench/data/README.md's counts agree with it."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest

from tests.support.constants import ROOT

DATA = ROOT / "bench" / "data" / "hoax_claims.json"
README = ROOT / "bench" / "data" / "README.md"

TOPICS = ("kesehatan", "penipuan", "pemilu", "bencana", "bansos")
VERDICTS = {
    "hoaks",
    "disinformasi",
    "misinformasi",
    "menyesatkan",
    "konteks keliru",
    "konten palsu",
    "dimanipulasi",
    "penipuan",
    "satire",
    "benar",
    "sebagian benar",
}
FIELDS = {"id", "topic", "verdict", "claim", "variants", "unrelated"}
MIN_CLAIMS, MIN_PER_TOPIC, MIN_VARIANTS, UNRELATED = 64, 12, 3, 3
SHORTEST, LONGEST = 20, 1500

# An Indonesian mobile number however it is written: 0812-0000-4417, 0812 0000 4417,
# +62 812-0000-4417, 081200004417, wa.me/6281200004417.
PHONE = re.compile(r"(?<!\w)(?:\+?62|0)[ .-]?8(?:[ .-]?\d){7,11}(?!\d)")  # not across lines
INVENTED_PHONE = re.compile(r"08120000\d{3,4}")  # 0812-0000-xxxx, the only block we use
GOVERNMENT = re.compile(r"[\w.-]+\.go\.id\b", re.IGNORECASE)


def load() -> dict[str, Any]:
    """The data file, parsed."""
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


def claims() -> list[dict[str, Any]]:
    """Every labelled claim."""
    found: list[dict[str, Any]] = load()["claims"]
    return found


def texts(claim: dict[str, Any]) -> list[str]:
    """A claim's own text, its variants and its near misses."""
    return [claim["claim"], *claim["variants"], *claim["unrelated"]]


def real_looking_phones(text: str) -> list[str]:
    """Phone numbers in a text outside the invented 0812-0000-xxxx block."""
    bad = []
    for match in PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        local = "0" + digits[2:] if digits.startswith("62") else digits
        if not INVENTED_PHONE.fullmatch(local):
            bad.append(match.group())
    return bad


def test_file_is_utf8_json_with_two_space_indent() -> None:
    """The file is written as the format says, so diffs stay readable."""
    raw = DATA.read_text(encoding="utf-8")
    data = json.loads(raw)
    assert set(data) == {"about", "claims"}
    assert len(data["about"]) > 200, "'about' says where the set comes from"
    assert raw == json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def test_enough_claims_in_every_topic() -> None:
    """At least 64 claims, at least 12 in each of the five topics, and no other topic."""
    counts = Counter(c["topic"] for c in claims())
    assert sum(counts.values()) >= MIN_CLAIMS
    assert set(counts) == set(TOPICS)
    assert all(counts[t] >= MIN_PER_TOPIC for t in TOPICS), counts


def test_every_claim_has_the_fields_ids_and_verdicts() -> None:
    """Each claim has exactly the documented fields, a unique id named after its topic,
    and a verdict from the allowed list."""
    ids = [c.get("id") for c in claims()]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    for claim in claims():
        assert set(claim) == FIELDS, claim.get("id")
        assert re.fullmatch(rf"{claim['topic']}-\d{{2}}", claim["id"]), claim["id"]
        assert claim["verdict"] in VERDICTS, (claim["id"], claim["verdict"])
        assert isinstance(claim["claim"], str), claim["id"]
        assert all(isinstance(t, str) for t in claim["variants"] + claim["unrelated"])


def test_variants_and_near_misses_per_claim() -> None:
    """At least three variants and exactly three unrelated near misses per claim."""
    for claim in claims():
        assert len(claim["variants"]) >= MIN_VARIANTS, claim["id"]
        assert len(claim["unrelated"]) == UNRELATED, claim["id"]


def test_no_text_appears_twice() -> None:
    """No two texts in the whole file are the same (ignoring case and spacing)."""
    seen: dict[str, str] = {}
    for claim in claims():
        for text in texts(claim):
            key = " ".join(text.split()).casefold()
            assert key not in seen, f"{claim['id']} repeats a text of {seen[key]}: {text!r}"
            seen[key] = claim["id"]


def test_text_lengths() -> None:
    """Every text is between 20 and 1,500 characters, as real chat messages are."""
    for claim in claims():
        for text in texts(claim):
            assert SHORTEST <= len(text) <= LONGEST, (claim["id"], len(text), text[:40])


def test_only_invented_phone_numbers() -> None:
    """Every phone number is in the invented 0812-0000-xxxx block, in any spelling."""
    bad = {c["id"]: found for c in claims() for t in texts(c) if (found := real_looking_phones(t))}
    assert bad == {}


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("hubungi 0812-0000-4417 segera", []),
        ("WA +62 812-0000-4417 atau 0812 0000 4417", []),
        ("klik wa.me/6281200004417 dan 081200004417", []),
        ("hubungi 0812-3456-7890 segera", ["0812-3456-7890"]),
        ("WA +62 813 1111 2222", ["+62 813 1111 2222"]),
        ("wa.me/6285712345678", ["6285712345678"]),
        ("buka pukul 08.00–11.00, Rp 600.000, resi KCX2610045873", []),
    ],
)
def test_phone_check_catches_real_looking_numbers(text: str, flagged: list[str]) -> None:
    """The phone check itself: invented numbers pass in every spelling, others are caught,
    and times, amounts and parcel numbers are not mistaken for phones."""
    assert real_looking_phones(text) == flagged


def test_no_government_domain_in_a_hoax_text() -> None:
    """A go.id address may appear only as an official source in a near miss, never in a
    claim or its variants (a matcher must not learn that a government link means hoax)."""
    bad = {
        c["id"]: GOVERNMENT.findall(t)
        for c in claims()
        for t in [c["claim"], *c["variants"]]
        if GOVERNMENT.search(t)
    }
    assert bad == {}


HELD_OUT = ROOT / "bench" / "data" / "hoax_claims_heldout.json"


def table(text: str) -> dict[str, int]:
    """A README count table: topic → claims."""
    return {t: int(n) for t, n in re.findall(r"^\| `(\w+)` \| (\d+) \|", text, re.M)}


def test_readme_counts_agree_with_the_files() -> None:
    """bench/data/README.md's tables of claims per topic are the files' own counts: the
    first set's, then the held-out set's under its own heading."""
    first, _, held = README.read_text(encoding="utf-8").partition("## The held-out set")
    assert table(first) == dict(Counter(c["topic"] for c in claims()))
    held_claims = json.loads(HELD_OUT.read_text(encoding="utf-8"))["claims"]
    assert table(held) == dict(Counter(c["topic"] for c in held_claims))


def test_the_held_out_set_is_shaped_like_the_first_and_shares_no_text() -> None:
    """30 claims, 4 variants and 3 near misses each, unique ids, allowed verdicts, and
    no text of the first set appears in it."""
    held = json.loads(HELD_OUT.read_text(encoding="utf-8"))["claims"]
    assert len(held) == 30
    assert len({c["id"] for c in held}) == 30
    assert all(len(c["variants"]) == 4 and len(c["unrelated"]) == 3 for c in held)
    assert {c["verdict"] for c in held} <= {c["verdict"] for c in claims()} | set(VERDICTS)
    first = {" ".join(t.lower().split()) for c in claims() for t in texts(c)}
    assert not any(" ".join(t.lower().split()) in first for c in held for t in texts(c))


LATER_SETS = {  # the later held-out sets: file → claims per topic
    "hoax_claims_heldout2.json": 8,
    "hoax_claims_heldout3.json": 6,
    "hoax_claims_heldout4.json": 8,
}


@pytest.mark.parametrize("name", sorted(LATER_SETS))
def test_a_later_held_out_set_is_shaped_and_new(name: str) -> None:
    """Its claims per topic, 4 variants and 3 near misses each, unique ids, allowed
    verdicts, invented phone numbers only, no go.id address in a hoax, and no text of
    any earlier set in it."""
    held = json.loads((ROOT / "bench" / "data" / name).read_text(encoding="utf-8"))["claims"]
    per_topic = LATER_SETS[name]
    assert len({c["id"] for c in held}) == len(held) == 5 * per_topic
    assert dict(Counter(c["topic"] for c in held)) == dict.fromkeys(
        ("kesehatan", "penipuan", "pemilu", "bencana", "bansos"), per_topic
    )
    assert all(len(c["variants"]) == 4 and len(c["unrelated"]) == 3 for c in held)
    assert {c["verdict"] for c in held} <= set(VERDICTS)
    assert [t for c in held for t in texts(c) if real_looking_phones(t)] == []
    assert [
        c["id"] for c in held for t in [c["claim"], *c["variants"]] if GOVERNMENT.search(t)
    ] == []
    earlier = json.loads(HELD_OUT.read_text(encoding="utf-8"))["claims"] + claims()
    for other in sorted(LATER_SETS):
        if other < name:
            path = ROOT / "bench" / "data" / other
            earlier += json.loads(path.read_text(encoding="utf-8"))["claims"]
    seen = {" ".join(t.lower().split()) for c in earlier for t in texts(c)}
    assert not any(" ".join(t.lower().split()) in seen for c in held for t in texts(c))

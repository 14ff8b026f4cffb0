"""The hoax archive's index (issue 12, item 1): it stays in step with additions, edits,
retractions and erasure; old archives are re-indexed; a query reads a bounded set."""

from __future__ import annotations

import json
from dataclasses import replace

from bot.desk.hoax_index import (
    ARCHIVE,
    MEMBER_BUDGET,
    VERSION_KEY,
    WHEN,
    ArchiveIndex,
    picture_bands,
)
from bot.desk.hoaxes import Claim, Fingerprint, HoaxArchive
from bot.platform.store import Redis

CHIP = "Vaksinasi COVID-19 mengandung chip 5G yang bisa melacak lokasi warga"
BLT = "BLT Rp 600.000 cair hari ini, daftar di blt-kemensos.xyz/daftar hubungi 0812-3456-7890"
PICTURE = "f0e1d2c3b4a59687"


def claim(claim_id: str, text: str, pictures: tuple[str, ...] = ()) -> Claim:
    """A verdict on `text`."""
    return Claim(
        id=claim_id,
        text=text,
        verdict="hoaks",
        explanation="Tidak benar.",
        sources="https://cekfakta.com/x",
        at=1.0,
        fingerprint=Fingerprint.of(text, list(pictures)),
    )


def index_keys(redis: Redis) -> set[str]:
    """Every index key in Redis."""
    return {
        str(k)
        for pattern in ("kim:hx:t:*", "kim:hx:l:*", "kim:hx:p:*")
        for k in redis.keys(pattern)
    }


def test_found_through_the_index(redis: Redis) -> None:
    """A reworded request, a link and a near picture each find their claim."""
    archive = HoaxArchive(redis)
    archive.add_claim(claim("HOAKS-1", CHIP))
    archive.add_claim(claim("HOAKS-2", BLT, (PICTURE,)))
    reworded = Fingerprint.of("yg divaksin covid 19 dipasangi chip 5g utk melacak lokasi", [])
    assert archive.best_claim(reworded)[0].id == "HOAKS-1"  # type: ignore[index]
    link = Fingerprint.of("benarkah blt-kemensos.xyz/daftar ?", [])
    assert archive.best_claim(link)[0].id == "HOAKS-2"  # type: ignore[index]
    near = f"{int(PICTURE, 16) ^ 0b1011_0000_0000_0001_0000_0000_0100_0001:016x}"  # 6 bits off
    assert archive.best_claim(Fingerprint.of("", [near]))[0].id == "HOAKS-2"  # type: ignore[index]
    far = f"{int(PICTURE, 16) ^ 0xFFFF_0000_0000_FFFF:016x}"
    assert archive.best_claim(Fingerprint.of("", [far])) is None
    assert archive.best_claim(Fingerprint.of("jadwal posyandu bulan depan", [])) is None


def test_an_edit_moves_the_claim_to_its_new_terms(redis: Redis) -> None:
    """Replacing a claim's text files it under the new terms only."""
    archive = HoaxArchive(redis)
    archive.add_claim(claim("HOAKS-1", CHIP))
    archive.add_claim(claim("HOAKS-1", BLT))
    assert archive.count() == 1
    assert not redis.sismember("kim:hx:t:chip", "HOAKS-1")
    assert redis.sismember("kim:hx:t:cair", "HOAKS-1")
    assert archive.best_claim(Fingerprint.of(CHIP, [])) is None
    keys = json.loads(redis.hget(ARCHIVE, "HOAKS-1") or "{}")["index"]
    assert set(keys) == index_keys(redis)


def test_retraction_and_erasure_leave_no_index_entry(redis: Redis) -> None:
    """A removed claim is gone from the archive and from every index set; others stay."""
    archive = HoaxArchive(redis)
    archive.add_claim(claim("HOAKS-1", CHIP, (PICTURE,)))
    archive.add_claim(claim("HOAKS-2", BLT))
    archive.remove_claim("HOAKS-1")
    assert archive.claim("HOAKS-1") is None
    assert all(not redis.sismember(k, "HOAKS-1") for k in index_keys(redis))
    assert not any(k.startswith("kim:hx:p:") for k in index_keys(redis))
    archive.remove_claim("HOAKS-2")
    assert index_keys(redis) == set()
    assert not redis.exists(ARCHIVE)
    archive.remove_claim("HOAKS-3")  # nothing to remove: no error


def test_an_archive_from_before_the_index_is_reindexed(redis: Redis) -> None:
    """Records written by the old code (no index, unstemmed words) are re-derived once."""
    old = {
        "id": "HOAKS-7",
        "text": CHIP,
        "verdict": "hoaks",
        "explanation": "Tidak benar.",
        "sources": "",
        "at": 1.0,
        "ticket": "HOAKS-7",
        "fingerprint": {"words": ["vaksinasi", "mengandung"], "links": [], "pictures": []},
    }
    redis.hset(ARCHIVE, "HOAKS-7", json.dumps(old))
    archive = HoaxArchive(redis)
    assert archive.best_claim(Fingerprint.of(CHIP, [])) is None  # not indexed yet
    assert archive.ensure_index() == 1
    assert redis.get(VERSION_KEY) is not None
    assert archive.ensure_index() == 0  # once
    found = archive.best_claim(Fingerprint.of("yg divaksin dipasangi chip 5g melacak lokasi", []))
    assert found is not None
    assert found[0].id == "HOAKS-7"


def test_an_index_built_by_other_matching_rules_is_re_derived(redis: Redis) -> None:
    """After an upgrade that changes the word lists (the version's digest differs), the
    stored fingerprints are derived again from each claim's text and re-indexed, once."""
    archive = HoaxArchive(redis)
    stale = replace(claim("HOAKS-8", CHIP), fingerprint=Fingerprint(frozenset({"reng", "x"})))
    archive.add_claim(stale)
    archive.index.mark_current()
    assert archive.ensure_index() == 0
    redis.set(VERSION_KEY, "4")  # the rules before: a number without the lists' digest
    assert archive.ensure_index() == 1
    found = archive.claim("HOAKS-8")
    assert found is not None
    assert found.fingerprint == Fingerprint.of(CHIP, [])
    assert archive.ensure_index() == 0


def test_a_query_reads_a_bounded_number_of_ids(redis: Redis) -> None:
    """A term held by more claims than the budget is not read; the rare terms still find
    the claim, and the candidates are at most the bound."""
    index = ArchiveIndex(redis)
    pipe = redis.pipeline()
    for i in range(MEMBER_BUDGET + 10):
        pipe.sadd("kim:hx:t:common", f"X-{i}")
    pipe.execute()
    archive = HoaxArchive(redis)
    archive.add_claim(claim("HOAKS-1", CHIP + " common"))
    ids = index.candidates(Fingerprint.of(CHIP + " common", []).words, [], [])
    assert ids[0] == "HOAKS-1"
    assert len(ids) <= 50


def test_malformed_picture_hashes_are_not_indexed() -> None:
    """A hash that is not 64-bit hex gets no band keys (and no error)."""
    assert picture_bands("not-hex") == []
    assert picture_bands("1" * 17) == []
    assert len(picture_bands(PICTURE)) == 4


def test_waiting_groups_are_re_derived_with_the_archive(redis: Redis) -> None:
    """A hoax check waiting for staff since before an upgrade of the matching keeps
    gathering the same claim asked again after it: its group's fingerprint is derived
    anew from its first ticket's text; a group whose text is gone keeps its own."""
    from bot.desk.hoaxes import PENDING

    stale = {"words": ["vaksinasi", "mengandung"], "links": [], "pictures": ["ab" * 8]}
    redis.hset(PENDING, "HKS-2609-0001", json.dumps(stale))
    redis.hset(PENDING, "HKS-2609-0002", json.dumps(stale))
    archive = HoaxArchive(redis)
    texts = {"HKS-2609-0001": CHIP}
    archive.ensure_index(texts.get)
    asked_again = Fingerprint.of("yg divaksin dipasangi chip 5g melacak lokasi", [])
    assert archive.pending_group(asked_again) == "HKS-2609-0001"
    kept = Fingerprint.from_json(json.loads(redis.hget(PENDING, "HKS-2609-0002") or "{}"))
    assert kept.words == frozenset(stale["words"])
    renewed = Fingerprint.from_json(json.loads(redis.hget(PENDING, "HKS-2609-0001") or "{}"))
    assert renewed.pictures == ("ab" * 8,)


def test_the_archive_pages_newest_first_and_forgets_removed_claims(redis: Redis) -> None:
    """`newest` lists by when the verdict was given; a correction moves a claim to the
    front; a removed claim leaves the listing; an archive from before it is re-indexed."""
    archive = HoaxArchive(redis)
    for number in range(1, 6):
        archive.add_claim(replace(claim(f"HOAKS-{number}", f"{CHIP} {number}"), at=float(number)))
    page, total = archive.newest(0, 2)
    assert ([c.id for c in page], total) == (["HOAKS-5", "HOAKS-4"], 5)
    archive.add_claim(replace(claim("HOAKS-1", CHIP), at=9.0))
    archive.remove_claim("HOAKS-5")
    page, total = archive.newest(0, 10)
    assert ([c.id for c in page], total) == (["HOAKS-1", "HOAKS-4", "HOAKS-3", "HOAKS-2"], 4)
    assert archive.newest(10, 10) == ([], 4)
    redis.delete(WHEN, VERSION_KEY)  # an archive filed by the code before the listing
    assert archive.ensure_index() == 4
    assert [c.id for c in archive.newest(0, 1)[0]] == ["HOAKS-1"]

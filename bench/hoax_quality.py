"""How well the hoax archive recognises a claim, on the labelled set in bench/data/.

bench/data/hoax_claims.json holds claims as staff archived them, each with variants (the
same claim as other residents forward it: reworded, shortened, in shorthand, with the
forwarding label, another spelling of the amount or link) and near misses (the same topic,
a different claim, or an official message). Every claim is archived in an empty archive
on a real Redis (embedded, in a temp dir); then every variant and near miss is looked up
as /cekhoaks does (`HoaxArchive.best_claim` at the config's `desk.hoax_match`).

At the `answer` threshold (the verdict is given at once):
- precision: of the instant answers, how many were the right claim;
- recall: of the variants, how many got their own claim's verdict at once.
At the `suggest` threshold (the resident is shown the claim and asked): recall_suggest
counts the variants answered or rightly suggested; wrong_suggestions counts lookups that
suggested another claim (the resident says no and a ticket is filed). It prints one JSON
line for the whole set, one per topic, and one `sweep` line: precision and recall at
answer thresholds 0.30 to 0.95.

    .venv/bin/python bench/hoax_quality.py
    .venv/bin/python bench/hoax_quality.py --data bench/data/hoax_claims_heldout.json
    .venv/bin/python bench/hoax_quality.py --data bench/data/hoax_claims_heldout2.json  # held out
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.desk.hoaxes import Claim, Fingerprint, HoaxArchive  # noqa: E402
from bot.platform.config import load_config  # noqa: E402
from bot.platform.store import EmbeddedRedis, connect  # noqa: E402

DATA = SCRIPT.parent / "data" / "hoax_claims.json"


def lookups(archive: HoaxArchive, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every variant and near miss with the best claim found and its score."""
    found = []
    for item in data["claims"]:
        for kind in ("variants", "unrelated"):
            for text in item[kind]:
                scored = archive.scored(Fingerprint.of(text, []))
                best, score = (scored[0][0].id, scored[0][1]) if scored else ("", 0.0)
                found.append(
                    {
                        "topic": item["topic"],
                        "claim": item["id"],
                        "kind": kind,
                        "best": best,
                        "score": score,
                    }
                )
    return found


def figures(rows: list[dict[str, Any]], answer: float, suggest: float) -> dict[str, Any]:
    """Precision and recall at the thresholds."""
    variants = [r for r in rows if r["kind"] == "variants"]
    instant = [r for r in rows if r["score"] >= answer]
    right = [r for r in instant if r["kind"] == "variants" and r["best"] == r["claim"]]
    band = [r for r in rows if suggest <= r["score"] < answer]
    rightly = [r for r in band if r["kind"] == "variants" and r["best"] == r["claim"]]
    return {
        "variants": len(variants),
        "near_misses": len(rows) - len(variants),
        "instant_answers": len(instant),
        "precision": round(len(right) / len(instant), 3) if instant else 1.0,
        "recall": round(len(right) / len(variants), 3) if variants else 0.0,
        "recall_suggest": round((len(right) + len(rightly)) / len(variants), 3),
        "wrong_suggestions": len(band) - len(rightly),
    }


def main() -> None:
    """Archive the claims, look up every text, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the labelled set (JSON)")
    data = json.loads(parser.parse_args().data.read_text(encoding="utf-8"))
    match = load_config(ROOT / "config.yaml").desk.hoax_match
    with tempfile.TemporaryDirectory(prefix="kim-bench-quality-") as tmp:
        server = EmbeddedRedis(tmp)
        try:
            archive = HoaxArchive(connect(server.url))
            archive.add_claims(
                Claim(
                    id=item["id"],
                    text=item["claim"],
                    verdict=item["verdict"],
                    explanation="",
                    sources="",
                    at=0.0,
                    fingerprint=Fingerprint.of(item["claim"], []),
                )
                for item in data["claims"]
            )
            rows = lookups(archive, data)
        finally:
            server.close()
    thresholds = {"answer": match.answer, "suggest": match.suggest}
    print(json.dumps({"set": "all", **thresholds, **figures(rows, match.answer, match.suggest)}))
    topics: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        topics[row["topic"]].append(row)
    for topic, part in sorted(topics.items()):
        print(json.dumps({"set": topic, **figures(part, match.answer, match.suggest)}))
    sweep = {}
    for step in range(30, 100, 5):
        at = step / 100
        result = figures(rows, at, at)
        sweep[f"{at:.2f}"] = [result["precision"], result["recall"]]
    print(json.dumps({"sweep": "answer threshold: [precision, recall]", **sweep}))
    for row in rows:  # on stderr, to read: each instant answer that was wrong
        if row["score"] >= match.answer and (
            row["kind"] != "variants" or row["best"] != row["claim"]
        ):
            print(json.dumps({"wrong_instant_answer": row}), file=sys.stderr)


if __name__ == "__main__":
    main()

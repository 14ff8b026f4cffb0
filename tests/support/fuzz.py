"""Fuzzed webhook bodies: real-shaped updates, then broken the ways a hostile or buggy
sender breaks them (fields dropped, wrong types, huge or odd strings, lone surrogates,
deep nesting, ids out of range). Deterministic for a seed."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    2**63,
    -(2**70),
    1.5,
    "",
    "x" * 5000,
    "\ud83d",
    "a\udc00b",
    "\u0000",
    "🙂" * 300,
    "/start kel_" + "9" * 50,
    "/broadcast",
    [],
    {},
    [1, [2, [3]]],
    {"a": {"b": {"c": {}}}},
]


def nested(levels: int) -> bytes:
    """A JSON body `levels` lists deep (as bytes: too deep for json.dumps)."""
    return b"[" * levels + b"0" + b"]" * levels


def mutate(rng: random.Random, value: Any, rate: float = 0.25) -> Any:
    """A copy of `value` with some leaves and fields replaced, dropped or added."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            roll = rng.random()
            if roll < rate / 3:
                continue  # dropped
            out[key] = rng.choice(ODD_VALUES) if roll < rate else mutate(rng, item, rate)
        if rng.random() < rate / 4:
            out[rng.choice(["extra", "text", "from", "chat", "data", "id"])] = rng.choice(
                ODD_VALUES
            )
        return out
    if isinstance(value, list):
        return [mutate(rng, item, rate) for item in value]
    if rng.random() < rate:
        return rng.choice(ODD_VALUES)
    return value


def fuzzed(rng: random.Random, seeds: list[dict[str, Any]], count: int) -> list[bytes]:
    """`count` bodies: mostly mutated seeds, some wholly odd, some deeply nested."""
    bodies: list[bytes] = []
    for n in range(count):
        roll = rng.random()
        if roll < 0.02:
            bodies.append(nested(rng.choice([40, 200, 5000])))
        elif roll < 0.05:
            bodies.append(json.dumps(rng.choice(ODD_VALUES)).encode())
        else:
            body = mutate(rng, copy.deepcopy(rng.choice(seeds)), rng.choice([0.02, 0.05, 0.15]))
            if isinstance(body, dict) and rng.random() < 0.7:
                body["update_id"] = 10_000_000 + n  # a fresh update, mostly
            bodies.append(json.dumps(body).encode())  # lone surrogates as \ud83d escapes
    return bodies

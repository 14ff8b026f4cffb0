"""Quick messages gathered into one: what `/cekhoaks` and `/aspirasi` share.

Residents often send one thought as several messages a few seconds apart ("jalan rusak",
then the details). A message that follows the previous one within `BURST_SECONDS` is part
of the same burst: the flow adds it to what it gathered without answering each message,
so the resident gets one answer for the burst. The time of the last gathered message is
kept in the dialog state under `last`.
"""

from __future__ import annotations

from typing import Any

BURST_SECONDS = 5.0


def in_burst(data: dict[str, Any], now: float) -> bool:
    """Whether a message at `now` follows the last gathered one within `BURST_SECONDS`."""
    return now - float(data.get("last", 0.0)) < BURST_SECONDS


def joined(text: str, more: str) -> str:
    """Gathered text with one more message, on its own line."""
    return f"{text}\n{more}" if text and more else text or more

"""One way to find the button a person means, used by every channel's press helper.

Tests name a button as a person would, by its label or a part of it. `find_label` takes
the labels on offer, in the order they are shown, and picks

1. the label equal to the text; else
2. the one label that contains the text;

where the same label shown more than once (old messages on a page) counts once and the
newest is meant. Anything else fails with the labels that were offered.
"""

from __future__ import annotations

from collections.abc import Sequence


def find_label(offered: Sequence[str], wanted: str) -> int:
    """The index in `offered` of the label a person means by `wanted`."""
    for matches in (
        [i for i, label in enumerate(offered) if label == wanted],
        [i for i, label in enumerate(offered) if wanted in label],
    ):
        if len({offered[i] for i in matches}) == 1:
            return matches[-1]
        if matches:
            many = sorted({offered[i] for i in matches})
            raise AssertionError(f"{wanted!r} could be any of {many}; offered: {list(offered)}")
    raise AssertionError(f"no button labelled {wanted!r}; offered: {list(offered)}")

"""`/sim/links`: the header links of the simulator page (the demo's web console)."""

from __future__ import annotations

import pytest

from emulator import SimClient, SimError


async def test_links_are_set_read_and_replaced(sim: SimClient) -> None:
    """What was put is what the page reads; a new list replaces the old one."""
    assert (await sim.call("GET", "/sim/links"))["links"] == []
    console = {"label": "Konsol KIM ↗", "url": "http://127.0.0.1:8082/console/"}
    assert (await sim.set_links([console]))["links"] == [console]
    assert (await sim.call("GET", "/sim/links"))["links"] == [console]
    assert (await sim.set_links([]))["links"] == []


@pytest.mark.parametrize(
    ("links", "problem"),
    [
        ([{"label": "x", "url": "javascript:alert(1)"}], r"links\[0\]\.url"),
        ([{"label": "x", "url": "http://a b"}], r"links\[0\]\.url"),
        ([{"label": "", "url": "http://127.0.0.1/"}], r"links\[0\]\.label"),
        ([{"label": "x" * 41, "url": "http://127.0.0.1/"}], r"links\[0\]\.label"),
        ([{"label": "x", "url": "http://127.0.0.1/"}] * 6, "at most 5"),
        (["http://127.0.0.1/"], r"links\[0\]: expected an object"),
    ],
)
async def test_bad_links_are_refused_whole(
    sim: SimClient, links: list[object], problem: str
) -> None:
    """A bad entry fails the whole PUT with a 400 naming it; the old links stay."""
    kept = [{"label": "Konsol", "url": "https://kim.example.id/console/"}]
    await sim.set_links(kept)
    with pytest.raises(SimError, match=problem) as refused:
        await sim.call("PUT", "/sim/links", {"links": links})
    assert refused.value.status == 400
    assert (await sim.call("GET", "/sim/links"))["links"] == kept

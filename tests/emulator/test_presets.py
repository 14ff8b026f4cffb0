"""`/sim/presets`: quick-add personas with user ids that the bot's config gives a role
(issue 11, item 13: the page's "KIM admin" and "Staff" personas had no role, and staff
joined a new group instead of the desk)."""

from __future__ import annotations

from typing import Any

import pytest

from emulator import SimClient, SimError
from tests.support.constants import BOT_ID


def preset(first: int, name: str, chats: list[int], count: int = 2) -> dict[str, Any]:
    """A preset of `count` reserved people from id `first`."""
    people = [{"id": first + i, "first_name": f"{name} {i + 1}"} for i in range(count)]
    return {"label": name, "people": people, "chats": chats}


async def desk(sim: SimClient) -> int:
    """A staff supergroup owned by someone else, with the bot as administrator."""
    boss = await sim.create_user("Pak Kadis")
    chat = await sim.create_chat(
        "supergroup", "Meja Layanan", int(boss["id"]), bots=[{"bot": BOT_ID, "admin": True}]
    )
    return int(chat["id"])


async def test_the_next_reserved_person_joins_the_preset_chats(sim: SimClient) -> None:
    """Each call creates the next reserved person, with that id, as a member of the desk;
    when all exist it answers 409 saying so; nothing else is created."""
    desk_id = await desk(sim)
    await sim.set_presets(
        {"admin": preset(710000001, "Admin KIM", []), "staff": preset(720000001, "Staf", [desk_id])}
    )
    staff = await sim.preset_person("staff")
    assert (staff["id"], staff["first_name"]) == (720000001, "Staf 1")
    members = {
        m["user_id"]: m["status"]
        for m in (await sim.call("GET", f"/sim/chats/{desk_id}"))["members"]
    }
    assert members[720000001] == "member"
    assert (await sim.preset_person("staff"))["id"] == 720000002
    with pytest.raises(SimError, match="all 2 Staf personas exist already") as refused:
        await sim.preset_person("staff")
    assert refused.value.status == 409
    admin = await sim.preset_person("admin")
    assert admin["id"] == 710000001
    listed = (await sim.call("GET", "/sim/presets"))["presets"]
    assert (listed["staff"]["used"], listed["admin"]["used"]) == (2, 1)
    users = {u["id"] for u in await sim.call("GET", "/sim/users")}
    assert users >= {710000001, 720000001, 720000002}
    assert 720000003 not in users


async def test_a_person_created_by_hand_uses_up_the_slot(sim: SimClient) -> None:
    """A reserved id already taken (made in the form with a fixed id) is skipped."""
    await sim.create_user("Bu Siti", id=710000001)
    await sim.set_presets({"admin": preset(710000001, "Admin KIM", [])})
    assert (await sim.preset_person("admin"))["id"] == 710000002


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({}, "presets: expected an object"),
        ({"presets": []}, "presets: expected an object"),
        ({"presets": {"admin": {"people": []}}}, "presets.admin.people: expected 1-50"),
        ({"presets": {"admin": {"people": [{"id": -1, "first_name": "X"}]}}}, ".id: expected"),
        ({"presets": {"admin": {"people": [{"id": 5, "first_name": ""}]}}}, "first_name"),
        ({"presets": {"a": {"people": [{"id": 5, "first_name": "X"}], "chats": [1]}}}, "no chat 1"),
        (
            {"presets": {"a": {"people": [{"id": 5, "first_name": "X"}] * 2}}},
            "the same id twice",
        ),
    ],
)
async def test_malformed_presets_are_refused(
    sim: SimClient, body: dict[str, Any], says: str
) -> None:
    """A bad PUT is a 400 naming the field, and the presets stay as they were."""
    await sim.set_presets({"admin": preset(710000001, "Admin KIM", [])})
    with pytest.raises(SimError, match=says) as refused:
        await sim.call("PUT", "/sim/presets", body)
    assert refused.value.status == 400
    assert list((await sim.call("GET", "/sim/presets"))["presets"]) == ["admin"]


async def test_unknown_preset(sim: SimClient) -> None:
    """A preset nobody set: 404 (the page then makes a plain persona)."""
    with pytest.raises(SimError) as refused:
        await sim.preset_person("staff")
    assert refused.value.status == 404

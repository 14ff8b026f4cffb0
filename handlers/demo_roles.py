"""The demo's spare admins and staff: user ids its config gives a role before anyone has
them, so a persona added on the simulator page ("KIM admin", "Staff") has that role.

`kimbot demo` writes these ids into its config (admins of Kelurahan Bagendung, members of
the staff desk) and tells the emulator about them (`/sim/presets`); the page's quick-add
buttons then create the next unused one, and a staff persona joins the desk group.
"""

from __future__ import annotations

from typing import Any

SPARES = 5
FIRST_ADMIN = 710_000_001
FIRST_STAFF = 720_000_001
BAGENDUNG = "36.72.02.1001"


def spare_admins() -> list[dict[str, Any]]:
    """Config entries (roles.admins) for the spare KIM admins of Bagendung."""
    return [
        {"id": f"tg:{FIRST_ADMIN + i}", "name": f"Admin KIM {i + 1}", "scope": [BAGENDUNG]}
        for i in range(SPARES)
    ]


def spare_staff() -> list[dict[str, str]]:
    """Config entries (roles.staff.members) for the spare staff."""
    return [{"id": f"tg:{FIRST_STAFF + i}", "name": f"Staf {i + 1}"} for i in range(SPARES)]


def presets(desk_chat: int) -> dict[str, Any]:
    """The emulator's quick-add presets for the same people (see emulator/presets.py)."""

    def people(first: int, name: str, role: str) -> list[dict[str, Any]]:
        return [
            {"id": first + i, "first_name": f"{name} {i + 1}", "last_name": role}
            | {"language_code": "id"}
            for i in range(SPARES)
        ]

    admins = people(FIRST_ADMIN, "Admin KIM", "(admin KIM Bagendung)")
    staff = people(FIRST_STAFF, "Staf", "(staf Diskominfo)")
    return {
        "admin": {"label": "KIM admin", "people": admins, "chats": []},
        "staff": {"label": "Staff", "people": staff, "chats": [desk_chat]},
    }

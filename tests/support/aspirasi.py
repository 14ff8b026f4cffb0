"""A resident's aspirasi filed through the core's dialogs (in English), for tests that need
a ticket to exist."""

from __future__ import annotations

from tests.support.dialog import Resident, verify_dialog


def file_aspirasi(me: Resident, text: str, anonymous: bool = False) -> str:
    """Subscribe to Bagendung, send an aspirasi (with identity unless `anonymous`); returns
    its tracking number."""
    me.send("/start kel_3672021001")
    me.press("✅")
    verify_dialog(
        me,
        [
            ("/report", "What would you like to send?"),
            ("[Aspiration]", "Which topic?"),
            ("[Kesehatan]", "Write your report"),
            (text, "You may add photos"),
            ("[Next]", "anonymously"),
            ("[Anonymous]" if anonymous else "[With identity]", "Check before sending"),
            ("[Send]", "Your report number is ASP-"),
        ],
    )
    return me.said().split("Your report number is ")[1].split(".")[0]

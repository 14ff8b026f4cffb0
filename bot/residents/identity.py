"""One resident, two WhatsApp ids: moving a phone-keyed resident to their business-scoped id.

WhatsApp is moving from phone numbers (`wa_id`) to business-scoped user ids. A resident
who subscribed while webhooks carried only the phone number is stored as `wa:<phone>`;
when their messages start carrying a business-scoped id, everything is moved to
`wa:<that id>` once — otherwise they would be two residents, asked to subscribe again,
and sent every announcement twice. Moving also removes the phone number from every key
and value that held it: each personal-data owner moves its own part (`Privacy.readdress`).
"""

from __future__ import annotations

from bot.platform.addresses import Address
from bot.services import Services


def adopt_new_id(svc: Services, old: Address, new: Address) -> bool:
    """Move everything stored under `old` to `new`, if `old` is known and `new` is not."""
    residents = svc.residents
    if old == new or residents.get(old) is None or residents.get(new) is not None:
        return False
    svc.privacy.readdress(old, new)
    return True

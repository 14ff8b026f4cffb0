"""Residents and what the core keeps about them.

- `records`: consent, locale, kelurahan/desa and komunitas subscriptions, audiences.
- `privacy`: UU PDP rights: export and erase everything, through each owner's hook.
- `retention`: residents who stopped are erased after `privacy.retention_days`.
- `identity`: moving a resident to a new address (WhatsApp phone → business-scoped id).
- `dialog_state`: where a resident is in a conversation (Redis, with a TTL).
- `flood`: the per-resident flood limit.
- `held`: messages held for a WhatsApp resident whose 24-hour window was closed.
"""

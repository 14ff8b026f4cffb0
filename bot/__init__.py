"""KIM Bot's core: config, regions, Redis stores, channel-neutral dialogs, i18n.

Imports only the standard library, redis, pydantic, babel and yaml — never aiogram, pywa,
rq, `handlers` or `broadcasts` — so Telegram, WhatsApp and the simulator share it all.
"""

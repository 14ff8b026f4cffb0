"""Inbound adapters: Telegram (aiogram), WhatsApp, the local simulator, and the CLI.

Each turns a platform event into a call on the core (`bot`) and renders the core's
replies. `handlers.cli` is the composition root that builds everything.
"""

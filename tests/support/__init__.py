"""What the tests share, in one place (as `structlog.testing` is for structlog's users).

Plain modules, no fixtures (pytest finds those only in conftest.py files, which build on
these):

- `constants`: one definition each of the paths, region codes, tokens and ids tests share;
- `admins`: a Cilegon config with admins of every kind, and a Dispatch that records;
- `dialog`: dialogue tables: their syntax and check, `play` on a channel `Driver`, the
  core's `Resident` and the Telegram driver;
- `dialogues`: the residents' dialogue tables, one definition played on every channel;
- `graph`: a Graph API stand-in behind `httpx.MockTransport`;
- `people`: Telegram users of the emulator in end-to-end tests, acting by what they see;
- `press`: one way to find the button a person means by its label, for every channel;
- `processes`: the emulator and `kimbot run` as child processes;
- `stand_in`: the in-process emulator from the test's side: aiogram Bots, pywa clients,
  webhook receivers;
- `storage`: the whole test Redis as text, to prove what is (not) stored;
- `telegram`: a recording Bot API session and real-shaped Telegram updates;
- `webhooks`: real-shaped, signed WhatsApp Cloud API webhook bodies;
- `whatsapp`: the WhatsApp webhook on a test server with the real core behind it, and the
  WhatsApp driver for dialogue tables;
- `worlds`: the end-to-end world (emulator, `kimbot run`, people, chats, config).
"""

__all__ = [
    "admins",
    "constants",
    "dialog",
    "dialogues",
    "graph",
    "people",
    "press",
    "processes",
    "stand_in",
    "storage",
    "telegram",
    "webhooks",
    "whatsapp",
    "worlds",
]

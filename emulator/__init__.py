"""A local Telegram Bot API emulator with a user-side API and a web simulator page.

The real bot talks to it exactly as to api.telegram.org; tests and the web page
act as Telegram users through JSON endpoints under /sim.
"""

from .client import SimClient
from .errors import ApiError, SimError
from .limits import RateLimits
from .media import make_png
from .server import Emulator, start_emulator
from .state import World

__all__ = [
    "ApiError",
    "Emulator",
    "RateLimits",
    "SimClient",
    "SimError",
    "World",
    "make_png",
    "start_emulator",
]

"""Perceptual hashes of residents' photos, so a re-sent or re-compressed picture of a hoax
is recognised (the core compares hashes; computing them needs the image, which only the
adapter can fetch).

The largest photo size up to `MAX_BYTES` is downloaded into memory and hashed with
imagehash's pHash (64 bits, hex). Anything that fails — too large, unreadable, the
download refused — simply gives no fingerprint; the request still goes to staff.
"""

from __future__ import annotations

import io
import logging

import imagehash
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message
from PIL import Image, UnidentifiedImageError

log = logging.getLogger(__name__)
MAX_BYTES = 5_000_000


async def fingerprint(bot: Bot, message: Message) -> str:
    """The photo's perceptual hash as hex, or "" when it cannot be computed."""
    if not message.photo:
        return ""
    sizes = [p for p in message.photo if (p.file_size or 0) <= MAX_BYTES]
    if not sizes:
        return ""
    try:
        buffer = io.BytesIO()
        await bot.download(sizes[-1].file_id, destination=buffer)
        with Image.open(io.BytesIO(buffer.getvalue())) as image:
            return str(imagehash.phash(image))
    except (TelegramAPIError, UnidentifiedImageError, OSError, ValueError) as exc:
        log.info("no fingerprint for a photo: %s", type(exc).__name__)
        return ""
    except Exception:  # a fingerprint is optional; the message must go through
        log.exception("fingerprinting a photo failed")
        return ""

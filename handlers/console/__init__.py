"""The web console for the Diskominfo and KIM admins, under `/console` of `kimbot run`.

Server-rendered with Jinja2 (aiohttp-jinja2), no script at all and nothing fetched from
the internet: charts are SVG drawn on the server. People sign in with a one-time link the
bot sends them (`/konsol`, bot/people/console_access.py); every request is checked with
the bot's own role checks (bot/people/viewer.py), and every form carries the session's
CSRF token. Redis is read in threads: the console shares its event loop with the bot.

- app.py: the application, its templates and static files.
- security.py: response headers (CSP, no framing, no referrer, no caching).
- signin.py: the login link, sessions, log out (everywhere).
- render.py: the request's viewer and language, and rendering a page.
"""

"""The Telegram adapter: aiogram routers, rendering, polling and webhook."""

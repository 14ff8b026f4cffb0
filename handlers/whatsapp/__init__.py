"""The WhatsApp adapter: Cloud API webhook in, the core's dialogs, replies out through pywa.

Public API: `add_whatsapp_routes` (handlers.whatsapp.webhook), `WhatsAppChannel`
(handlers.whatsapp.channel), `WhatsAppSettings` (handlers.whatsapp.settings) and the
poster-link helpers (handlers.whatsapp.links). See docs/whatsapp.md.
"""

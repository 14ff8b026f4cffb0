"""Announcements: who may send what to whom, and how far delivery got.

- `store`: announcements, their recipient lists, ledgers and counts.
- `roles`: superadmins, KIM admins with their scopes, staff.
- `report`: what an admin reads: the confirmation, progress and the final report.
- `access`: who sees an announcement's report and who cancels it; cancelling.
"""

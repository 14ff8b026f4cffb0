"""The desk: residents' aspirasi and hoax checks, answered by staff.

- `tickets`: tickets, tracking numbers, their life and history.
- `hoaxes`: the archive of verdicts and the grouping of pending hoax checks.
- `staff`: filing tickets, the staff group's cards and actions, telling residents.
- `report`: monthly ticket reports (CSV/XLSX rows and summaries).
- `queue`: the queue as the web console filters and pages it.
"""

"""The RQ queues every KIM worker serves, most urgent first.

- `kim-interactive`: single messages someone is waiting for (staff cards, ticket notices).
- `kim-default`: control work: starting announcements, watch jobs, scheduled sweeps.
- `kim-bulk`: announcement batches.
"""

from __future__ import annotations

INTERACTIVE_QUEUE = "kim-interactive"
CONTROL_QUEUE = "kim-default"
BULK_QUEUE = "kim-bulk"
QUEUES = (INTERACTIVE_QUEUE, CONTROL_QUEUE, BULK_QUEUE)

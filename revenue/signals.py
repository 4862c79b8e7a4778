"""What the CRM ingest tells the rest of the revenue app, once its batch has
committed (sent from ``transaction.on_commit``).

``stage_changes_recorded(sender, organization_id: int, stage_change_ids: list[int])``:
new rows of the stage history, heard by the stage-entry refreshers and the
outcome rollups. A receiver must be idempotent and cheap (enqueue a task);
each keeps its own outbox or sweeper, so a broker outage loses nothing.
"""

from django.dispatch import Signal

stage_changes_recorded = Signal()

"""Domain events of roadmap execution, announced as Django signals.

Execution sits below the site floor and does not know who is told: geotrack/site/notifications/apps.py
connects receivers that turn each signal into one notification event once the transaction commits.
Each is sent inside the service's transaction, after the change is written.
"""
from django.dispatch import Signal

# A report was submitted (first time or again after a return): kwargs report, version (ReportVersion).
report_submitted = Signal()
# A submitted report was returned with a comment: kwargs report, version.
report_returned = Signal()
# An instruction was created, with its co-executors, items, projects and regions set: kwargs instruction.
instruction_created = Signal()
# A deadline change request was approved or refused: kwargs change (DeadlineChange).
deadline_change_decided = Signal()

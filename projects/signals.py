"""What the domain announces, for the floors above it to act on (the domain never imports them).

- ``projects_geometry_changed(sender=Project, project_ids=[...])``: projects were created or
  their geometry changed (saved, imported); camera_sites relinks cameras whose field of view
  covers them. Sent inside the writing transaction, so listeners' writes are part of it.
"""
from __future__ import annotations

from django.dispatch import Signal

projects_geometry_changed = Signal()

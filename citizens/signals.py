"""Domain events of citizen feedback, announced as Django signals (read by the site's notifications).

Citizens sit below the site floor: geotrack/site/notifications/apps.py connects the receivers.
"""
from django.dispatch import Signal

# A message was stored and waits for moderation: kwargs feedback. Not sent for an idempotent replay.
feedback_received = Signal()

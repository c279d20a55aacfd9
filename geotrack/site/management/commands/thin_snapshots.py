"""`thin_snapshots --keep-days N`: keep all recent snapshots, then one per camera per day."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from camera_sites.services import snapshots_thin


class Command(BaseCommand):
    help = ("Keep every snapshot of the last N days, then the last one per camera per day; "
            "never a camera's latest. Deletes the files too.")

    def add_arguments(self, parser):
        parser.add_argument("--keep-days", type=int, required=True)

    def handle(self, *args, keep_days: int, **options):
        if keep_days < 0:
            raise CommandError("--keep-days must be 0 or more.")
        self.stdout.write(f"Deleted {snapshots_thin(keep_days=keep_days)} snapshot(s).")

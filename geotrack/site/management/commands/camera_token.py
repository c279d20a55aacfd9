"""`camera_token CAMERA_ID`: issue a new device token, print it once, invalidate the old one."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from camera_sites.models import Camera
from camera_sites.tokens import camera_token_issue


class Command(BaseCommand):
    help = "Issue a new device token for a camera, print it once and invalidate the old one."

    def add_arguments(self, parser):
        parser.add_argument("camera_id", type=int)

    def handle(self, *args, camera_id: int, **options):
        camera = Camera.objects.filter(pk=camera_id).first()
        if camera is None:
            raise CommandError(f"No camera with id {camera_id}.")
        self.stdout.write(camera_token_issue(camera=camera))

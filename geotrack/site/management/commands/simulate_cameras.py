"""`simulate_cameras --count N --interval S`: play N camera devices against a running geotrack."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from camera_sites.models import Camera
from camera_sites.services import camera_status_sweep
from camera_sites.simulator import Device, simulate, summary
from camera_sites.tokens import camera_token_issue


class Command(BaseCommand):
    help = ("Play N camera devices over HTTP: fresh device tokens (as camera_token does), generated "
            "construction-site snapshots, heartbeats, and outages now and then.")

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=10)
        parser.add_argument("--interval", type=float, default=10.0, help="seconds between snapshots per camera")
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--duration", type=float, default=600.0, help="stop after SECONDS")
        parser.add_argument("--offline-rate", type=float, default=0.05,
                            help="chance, per snapshot, that a device goes offline for a while")
        parser.add_argument("--heartbeat", type=float, default=None, help="seconds between heartbeats")
        parser.add_argument("--workers", type=int, default=16, help="concurrent HTTP connections")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--sweep-every", type=float, default=30.0,
                            help="also record offline cameras every SECONDS (0: leave it to the worker)")

    def handle(self, *args, **options):
        cameras = list(Camera.objects.order_by("pk")[: options["count"]])
        if not cameras:
            raise CommandError("There are no cameras to play; load the demo or create some first.")
        devices = [Device(camera_id=camera.pk, token=camera_token_issue(camera=camera)) for camera in cameras]
        self.stdout.write(f"Playing {len(devices)} camera(s) against {options['url']} for "
                          f"{options['duration']:.0f} s, a snapshot every {options['interval']:g} s.")
        # Some outages outlast the offline threshold, so that the status history shows them.
        threshold = settings.GEOTRACK["CAMERA_OFFLINE_AFTER_SECONDS"]
        outage_s = (options["interval"] * 3, max(options["interval"] * 6, threshold * 2.0))
        every = (options["sweep_every"], camera_status_sweep) if options["sweep_every"] > 0 else None
        stats = simulate(base_url=options["url"], devices=devices, interval=options["interval"],
                         duration=options["duration"], heartbeat_every=options["heartbeat"],
                         offline_rate=options["offline_rate"], workers=options["workers"], seed=options["seed"],
                         outage_s=outage_s, every=every)
        for line in summary(stats, options["duration"]):
            self.stdout.write(line)

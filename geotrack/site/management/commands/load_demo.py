"""python manage.py load_demo [--force | --if-empty]: load the demo data set."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from geotrack.site.demo import DemoNotEmpty, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo data set: the 20 regions, agencies, 117 roadmap items, projects with progress "
        "history, cameras and synthetic imagery. Refuses a database that already holds regions or projects."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--force", action="store_true",
                           help="Delete the demo tables' rows (regions, projects, cameras, imagery...) and reload.")
        group.add_argument("--if-empty", action="store_true",
                           help="Load only into an empty database; otherwise say so and exit successfully.")

    def handle(self, *args, force: bool = False, if_empty: bool = False, **options) -> None:
        try:
            summary = load_demo(force=force)
        except DemoNotEmpty as error:
            if if_empty:
                self.stdout.write("database not empty; demo not loaded")
                return
            raise CommandError(f"Not loading the demo: {error}; use --force to replace them.") from error
        self.stdout.write(self.style.SUCCESS(str(summary)))

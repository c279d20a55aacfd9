"""python manage.py roadmap_report [--as-of DATE] [--format pdf|csv|xlsx|html] [--region ISO] [--agency CODE]
[--since DATE] [--user NAME] [--language kk|ru|en] [--output FILE]."""
from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from rest_framework.exceptions import ValidationError

from geotrack.core.params import BadParameter
from geotrack.site.reports.data import report_params, roadmap_report
from geotrack.site.reports.formats import FORMATS
from projects.access import audience_for


class Command(BaseCommand):
    help = ("Write the roadmap execution report as of a day (default: today), as the public sees it "
            "unless --user is given. The same as /reports/roadmap.<format>; schedule it with cron or a timer.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD, today or earlier (default: today).")
        parser.add_argument("--format", dest="fmt", choices=sorted(FORMATS), default="pdf")
        parser.add_argument("--region", help="ISO 3166-2 code, e.g. KZ-75.")
        parser.add_argument("--agency", help="Agency code.")
        parser.add_argument("--since", help="Start of 'what changed' (default: a month before --as-of).")
        parser.add_argument("--user", help="Report what this user may see (default: public data only).")
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES],
                            default=settings.LANGUAGE_CODE)
        parser.add_argument("--output", "-o", help="File to write, '-' for stdout (default: roadmap-DATE[...].FORMAT).")

    def handle(self, *args, as_of, fmt, region, agency, since, user, language, output, **options) -> None:
        viewer = AnonymousUser()
        if user:
            viewer = get_user_model().objects.filter(username=user).first()
            if viewer is None:
                raise CommandError(f"No such user: {user}")
        query = {key: value for key, value in {"as_of": as_of, "since": since, "region": region,
                                                "agency": agency}.items() if value}
        with translation.override(language):
            try:
                params = report_params(query)
            except BadParameter as exc:
                raise CommandError(f"{exc.name}: {exc.message}") from exc
            except ValidationError as exc:
                raise CommandError("; ".join(f"{key}: {' '.join(map(str, problems))}"
                                             for key, problems in exc.detail.items())) from exc
            content = FORMATS[fmt].render(roadmap_report(audience=audience_for(viewer), params=params))
        if output == "-":
            sys.stdout.buffer.write(content)
            sys.stdout.flush()
            return
        path = Path(output or f"{params.slug()}.{fmt}")
        path.write_bytes(content)
        self.stdout.write(f"{path} ({len(content):,} bytes)")

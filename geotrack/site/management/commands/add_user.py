"""add_user NAME --role ROLE [--region ISO ...] [--agency CODE ...] [--password P] [--token]"""
from __future__ import annotations

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from knox.models import AuthToken

from projects.models import Agency, Profile, Region


class Command(BaseCommand):
    help = "Create or update a user with a role, optionally bound to regions, and optionally print an API token."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--role", required=True, choices=[role.value for role in Profile.Role])
        parser.add_argument("--region", action="append", default=[], metavar="ISO",
                            help="ISO 3166-2 code such as KZ-75; repeat for several regions")
        parser.add_argument("--agency", action="append", default=[], metavar="CODE",
                            help="agency code (for ministries); repeat for several agencies")
        parser.add_argument("--password", help="default: $GEOTRACK_PASSWORD, or a prompt")
        parser.add_argument("--token", action="store_true", help="print a new API token")

    def handle(self, *args, name, role, region, agency, password, token, **options):
        regions = list(Region.objects.filter(iso_code__in=region))
        unknown = sorted(set(region) - {r.iso_code for r in regions})
        if unknown:
            raise CommandError(f"unknown region code(s): {', '.join(unknown)}")
        if role == Profile.Role.AKIMAT and not regions:
            raise CommandError("an akimat user must be bound to at least one --region")
        agencies = list(Agency.objects.filter(code__in=agency).order_by("code"))
        unknown = sorted(set(agency) - {a.code for a in agencies})
        if unknown:
            raise CommandError(f"unknown agency code(s): {', '.join(unknown)}")
        if role == Profile.Role.MINISTRY and not agencies:
            raise CommandError("a ministry user must be bound to at least one --agency")
        if agencies and role not in {Profile.Role.MINISTRY, Profile.Role.AKIMAT}:
            raise CommandError("only ministry and akimat users are bound to agencies")
        password = password or os.environ.get("GEOTRACK_PASSWORD") or self._prompt()
        with transaction.atomic():
            user, created = get_user_model().objects.get_or_create(username=name)
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
            user.set_password(password)
            user.is_staff = role == Profile.Role.ADMIN
            user.is_superuser = role == Profile.Role.ADMIN
            user.save()
            profile, _ = Profile.objects.update_or_create(user=user, defaults={"role": role})
            profile.regions.set(regions)
            profile.agencies.set(agencies)
            key = AuthToken.objects.create(user=user)[1] if token else None
        verb = "created" if created else "updated"
        scope = ", ".join([r.iso_code for r in regions] + [a.code for a in agencies]) or "national"
        self.stdout.write(f"{verb} {name} ({role}, {scope})")
        if key:
            self.stdout.write(key)

    def _prompt(self) -> str:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("the passwords do not match")
        return first

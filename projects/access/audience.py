"""The Audience: what one caller may read, as a queryset filter and as a SQL condition built from RULES."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, QuerySet, Value
from django.utils import timezone

from geotrack.core.sql import TRUE, Sql
from projects.access.roles import NATIONAL_ROLES, user_agency_ids, user_region_ids, user_role
from projects.access.rules import RULES, AgencyColumn, BoundAgencies, ColumnIs, LinkedRegions, Rule
from projects.models import Profile, Project


@dataclass(frozen=True)
class Audience:
    """What one caller may read. Build it with audience_of(request) or audience_for(user)."""

    role: str | None = None
    region_ids: tuple[int, ...] = ()
    agency_ids: tuple[int, ...] = ()
    authenticated: bool = False
    now: dt.datetime = field(default_factory=timezone.now, compare=False)
    user: Any = field(default_factory=AnonymousUser, compare=False, repr=False)

    @property
    def sees_everything(self) -> bool:
        return self.role in NATIONAL_ROLES

    @property
    def regional(self) -> bool:
        return self.role == Profile.Role.AKIMAT

    @property
    def reviews_evidence(self) -> bool:
        """Signed-in callers with a role see photos' evidence checks beside the photos they read."""
        return self.authenticated and self.role is not None

    @property
    def key(self) -> str:
        """Callers with the same key read the same things: the cache key of shared aggregates."""
        if self.sees_everything:
            return "all"
        who = "akimat-" + "-".join(map(str, self.region_ids)) if self.regional else "public"
        if self.agency_ids:
            who += "+agencies-" + "-".join(map(str, self.agency_ids))
        return who + ("+signed-in" if self.authenticated else "")

    def agency_links(self, rule: Rule) -> list:
        """The rule's agency links that read for this audience."""
        if not self.agency_ids:
            return []
        return [link for link in rule.agencies if link.only_role in (None, self.role)]

    # -- querysets ------------------------------------------------------------------------------
    def q(self, kind: str, prefix: str = "") -> Q:
        """The queryset filter of one kind of object; prefix is the path to it from the queried model."""
        rule = RULES[kind]
        condition = Q()
        if rule.live:
            condition &= Q(**{f"{prefix}{rule.live}__isnull": True})
        for parent in rule.parents:
            readable = self.q(parent.kind, f"{prefix}{parent.path}__")
            if parent.optional:
                readable = Q(**{f"{prefix}{parent.path}__isnull": True}) | readable
            condition &= readable
        if rule.delay and not self.authenticated:
            delay = rule.delay
            minutes = F(f"{prefix}{delay.parent.path}__{delay.delay_column}") * Value(dt.timedelta(minutes=1))
            cutoff = ExpressionWrapper(Value(self.now) - minutes, output_field=DateTimeField())
            condition &= Q(**{f"{prefix}{delay.time_column}__lte": cutoff})
        if self.sees_everything or (rule.public is None and not rule.regions and not rule.agencies):
            return condition
        readers = rule.public_q(prefix) if rule.public else Q(**{f"{prefix}pk__in": []})
        if self.regional:
            for link in rule.regions:
                readers |= link.q(prefix, list(self.region_ids))
        for link in self.agency_links(rule):
            readers |= link.q(prefix, list(self.agency_ids))
        return condition & readers

    def filter(self, queryset: QuerySet, kind: str) -> QuerySet:
        """Keep the objects of a queryset of `kind` that this audience may read."""
        return queryset.filter(self.q(kind))

    def projects(self) -> QuerySet[Project]:
        """The live projects this audience may read."""
        return self.filter(Project.objects.all(), "project")

    # -- SQL ------------------------------------------------------------------------------------
    def sql(self, kind: str, alias: str) -> Sql:
        """The same rule as a SQL condition on a table alias of `kind`, with named parameters.

        A rule that does not read the clock gives the same condition to every caller with the same role,
        regions, agencies and sign-in: it is composed once for them (most requests compose one).
        """
        if _reads_clock(kind, self.authenticated):
            return self._composed_sql(kind, alias)
        return _kept_sql(kind, alias, self.role, self.region_ids, self.agency_ids, self.authenticated)

    def _composed_sql(self, kind: str, alias: str) -> Sql:
        rule = RULES[kind]
        parts: list[Sql] = []
        if rule.live:
            parts.append(Sql(f"{alias}.{rule.live} IS NULL"))
        for parent in rule.parents:
            readable = self.sql_exists(parent.kind, f"{alias}.{parent.column}", alias=f"{alias}_{parent.path}")
            if parent.optional:
                readable = Sql(f"({alias}.{parent.column} IS NULL OR {{r}})").format(r=readable)
            parts.append(readable)
        if rule.delay and not self.authenticated:
            delay, owner = rule.delay, f"{alias}_delay"
            parts.append(Sql(
                f"EXISTS (SELECT 1 FROM {RULES[delay.parent.kind].table} {owner} WHERE {owner}.id = "
                f"{alias}.{delay.parent.column} AND {alias}.{delay.time_column} <= %(access_now)s - "
                f"make_interval(mins => {owner}.{delay.delay_column}))", {"access_now": self.now}))
        if not (self.sees_everything or (rule.public is None and not rule.regions and not rule.agencies)):
            readers = [rule.public_sql(alias)] if rule.public else []
            if self.regional:
                readers += [link.sql(alias, list(self.region_ids)) for link in rule.regions]
            readers += [link.sql(alias, list(self.agency_ids)) for link in self.agency_links(rule)]
            parts.append(Sql("({r})").format(r=Sql.join(" OR ", readers)) if readers else Sql("FALSE"))
        return Sql.join(" AND ", parts) if parts else TRUE

    def sql_over_public_flag(self, kind: str, alias: str) -> Sql | None:
        """The rule of `kind` on rows that carry only its public flag (counters kept per flag, projects/counts/).

        TRUE for national roles, the flag for the public; None when this audience reads more than the flag
        says (an akimat's linked regions, an agency's projects and items): then only the full rule answers.
        Archived objects are left out of such counters by whoever keeps them.
        """
        rule = RULES[kind]
        if rule.parents or rule.delay:
            return None
        if self.sees_everything or (rule.public is None and not rule.regions and not rule.agencies):
            return TRUE
        if (self.regional and rule.regions) or self.agency_links(rule):
            return None
        return rule.public_sql(alias) if rule.public else Sql("FALSE")

    def sql_over_links(self, kind: str, alias: str) -> Sql | None:
        """The rule of `kind` on rows that carry its public flag and its links as columns (projects/counts/).

        The row at `alias` has `is_public`, `agency_id`, `region_ids` (the regions it is linked to, an array)
        and `item_ids` (the roadmap items it is linked to, an array): what the project rule's reader parts
        read. A link column that is NULL reads for nobody (a bucket of the counters that does not know its
        projects' links): the condition is then NULL, never true, unless the flag alone lets the row through.
        None when the rule needs more than these columns. Archived objects are left out by whoever keeps
        such rows.
        """
        rule = RULES[kind]
        if rule.parents or rule.delay or isinstance(rule.public, ColumnIs):
            return None
        if self.sees_everything or (rule.public is None and not rule.regions and not rule.agencies):
            return TRUE
        readers = [rule.public_sql(alias)] if rule.public else []
        if self.regional:
            for link in rule.regions:
                if not (isinstance(link, LinkedRegions) and link.key == "id"):
                    return None
                readers.append(Sql(f"{alias}.region_ids && %(access_regions)s::bigint[]",
                                   {"access_regions": list(self.region_ids)}))
        for link in self.agency_links(rule):
            if isinstance(link, AgencyColumn) and link.column == "agency_id":
                readers.append(link.sql(alias, list(self.agency_ids)))
            elif isinstance(link, BoundAgencies) and link.via == "project" and link.column == "id":
                # linked to an item bound to the agencies: the items' ids, from the same text as BOUND_IDS
                readers.append(Sql(f"{alias}.item_ids && ARRAY({{ids}})").format(
                    ids=BoundAgencies("id", via="item").ids(list(self.agency_ids))))
            else:
                return None
        return Sql("({r})").format(r=Sql.join(" OR ", readers)) if readers else Sql("FALSE")

    def sql_per_row(self, kind: str, id_sql: str, *, alias: str | None = None) -> Sql:
        """Whether the object of `kind` whose id is `id_sql` is readable, as a scalar subquery (NULL without one).

        The same answer as sql_exists, in a form the planner never turns into a join: it runs once per row
        that reaches it, and a link the rule reads (an akimat's regions) is probed by its index for that row
        rather than hashed whole first. For filters applied to the few rows an index walk reads before its
        LIMIT (the oldest stale projects).
        """
        alias = alias or f"row_{kind}"
        table = RULES[kind].table
        return Sql(f"(SELECT {{c}} FROM {table} {alias} WHERE {alias}.id = {id_sql})").format(c=self.sql(kind, alias))

    def sql_exists(self, kind: str, id_sql: str, *, alias: str | None = None) -> Sql:
        """Whether the object of `kind` whose id is `id_sql` is readable (for rows that only carry the id)."""
        alias = alias or f"access_{kind}"
        table = RULES[kind].table
        return Sql(f"EXISTS (SELECT 1 FROM {table} {alias} WHERE {alias}.id = {id_sql} AND {{c}})").format(
            c=self.sql(kind, alias))


def audience_for(user) -> Audience:
    """The audience of a user (anonymous callers included)."""
    if user is None or not user.is_authenticated:
        return Audience(user=user or AnonymousUser())
    role = user_role(user)
    regions = tuple(user_region_ids(user)) if role == Profile.Role.AKIMAT else ()
    return Audience(role=role, region_ids=regions, agency_ids=tuple(user_agency_ids(user)), authenticated=True,
                    user=user)


def readable_by_public(queryset: QuerySet, kind: str) -> bool:
    """Whether everyone may read this object (a queryset of one): only then may its bytes be cached publicly."""
    return Audience().filter(queryset, kind).exists()


def public_sql(kind: str, alias: str) -> Sql:
    """Whether everyone may read the row of `kind` at alias: readable_by_public as a SQL condition."""
    return Audience().sql(kind, alias)


@functools.lru_cache(maxsize=64)
def _reads_clock(kind: str, authenticated: bool) -> bool:
    """Whether the rule of `kind` (or of a parent it needs) compares a time with now for this caller."""
    rule = RULES[kind]
    return bool(rule.delay and not authenticated) or any(_reads_clock(parent.kind, authenticated)
                                                          for parent in rule.parents)


@functools.lru_cache(maxsize=512)
def _kept_sql(kind: str, alias: str, role: str | None, region_ids: tuple[int, ...], agency_ids: tuple[int, ...],
              authenticated: bool) -> Sql:
    # Everything Audience.sql reads but the clock is in the key.
    audience = Audience(role=role, region_ids=region_ids, agency_ids=agency_ids, authenticated=authenticated)
    return audience._composed_sql(kind, alias)

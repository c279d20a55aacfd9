"""Who may read what: the one access rule of geotrack (CONTRACT.md, Roles).

A request is resolved once into an ``Audience`` (``audience_of``), ``?scope=public``
included: embeds ask as the public does, whoever is signed in. Every read path (API,
pages, tiles, raster tiles, exports, OGC, OC4IDS, reports, alerts, the dashboard and
its cache key) asks the audience, and the audience answers from ``RULES`` below in
two forms built from the same definition:

- ``audience.filter(queryset, kind)``: a queryset filter (Django ``Q`` objects);
- ``audience.sql(kind, alias)``: a SQL condition with named parameters, for the
  statements that build GeoJSON, tiles and aggregates in PostGIS.

tests/access/test_one_rule.py checks that both return exactly the same rows for
every kind and every role. Nothing outside this package decides who sees what.

The rule, in words:
- planners, analysts and admins read everything that is live;
- akimats read what is public, and what relates to one of their regions;
- ministries and akimats read what concerns a roadmap item or an instruction for which one of
  their agencies is responsible or co-executor (an akimat's agency is the akimat of its region),
  and the projects linked to such items or run by those agencies;
- the coordinator (the headquarters' secretariat) reads everything, as planners do;
- everyone else (anonymous callers, embeds, signed-in users without a role) reads what
  is public; snapshots only once the camera's public delay has passed;
- citizen feedback is public only once a moderator published it (and only on what the public
  reads); its moderators read all of it in their scope: akimats on projects touching their regions,
  ministry users on their agencies' projects and items, the coordinator everywhere.
Objects that belong to another (a snapshot to its camera, a photo to its report) are
readable only when what they belong to is readable too.

The package, by concern (callers import from ``projects.access`` only; the import contract in
pyproject.toml keeps it so):
- ``roles``: who is asking (a user's role, regions and agencies);
- ``rules``: the vocabulary of rules and ``RULES``, one rule per kind of object;
- ``audience``: the ``Audience`` and its two forms (querysets and SQL), and the public's;
- ``requests``: a request resolved into its audience, once.
"""
from projects.access.audience import Audience, audience_for, public_sql, readable_by_public
from projects.access.requests import audience_from, audience_of, is_public_scope
from projects.access.roles import (
    AGENCY_ROLES, COORDINATOR, MINISTRY, NATIONAL_ROLES, user_agency_ids, user_region_ids, user_role,
)
from projects.access.rules import RULES, Rule

__all__ = [
    "AGENCY_ROLES", "COORDINATOR", "MINISTRY", "NATIONAL_ROLES", "RULES", "Audience", "Rule", "audience_for",
    "audience_from", "audience_of", "is_public_scope", "public_sql", "readable_by_public", "user_agency_ids",
    "user_region_ids", "user_role",
]

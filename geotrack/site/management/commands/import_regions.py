"""import_regions FILE: replace region boundaries with official ones, keyed by ISO 3166-2 code."""
from __future__ import annotations

from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import MultiPolygon
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from projects.models import Project, Region
from projects.services import projects_assign_regions

ISO_FIELDS = ("iso3166_2", "iso_code", "ISO", "iso", "shapeISO", "HASC_1")
SIMPLIFY_TOLERANCE = 0.002  # degrees, about 200 m: the overlay outline


class Command(BaseCommand):
    help = "Replace region boundaries from any GDAL-readable file (GeoJSON, GPKG, Shapefile...), keyed by ISO code."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--iso-field", help=f"the attribute holding the ISO code (default: first of {ISO_FIELDS})")

    def handle(self, *args, file, iso_field, **options):
        try:
            layer = DataSource(file)[0]
        except (GDALException, IndexError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        if layer.srs is None:
            raise CommandError(f"{file} has no coordinate reference system")
        field = iso_field or next((name for name in ISO_FIELDS if name in layer.fields), None)
        if field is None:
            raise CommandError(f"no ISO code attribute; pass --iso-field (attributes: {', '.join(layer.fields)})")
        boundaries = {feature.get(field): self._boundary(feature) for feature in layer}
        known = dict(Region.objects.values_list("iso_code", "pk"))
        unknown = sorted(set(boundaries) - set(known))
        if unknown:
            raise CommandError(f"unknown region codes: {', '.join(map(str, unknown))}; nothing imported")
        with transaction.atomic():
            for iso_code, boundary in boundaries.items():
                Region.objects.filter(pk=known[iso_code]).update(
                    boundary=boundary, boundary_simplified=self._simplified(boundary),
                )
            projects_assign_regions(project_ids=Project.objects.values_list("pk", flat=True), keep_given=False)
        self.stdout.write(f"replaced {len(boundaries)} region boundaries; project regions derived again")

    def _boundary(self, feature) -> MultiPolygon:
        geometry = feature.geom.geos
        geometry.transform(4326)
        if geometry.geom_type == "Polygon":
            geometry = MultiPolygon(geometry, srid=4326)
        if geometry.geom_type != "MultiPolygon":
            raise CommandError(f"region {feature.get(0)}: expected a polygon, got {geometry.geom_type}")
        if not geometry.valid:
            raise CommandError(f"region boundary is not valid: {geometry.valid_reason}; nothing imported")
        return geometry

    def _simplified(self, boundary: MultiPolygon) -> MultiPolygon:
        simplified = boundary.simplify(SIMPLIFY_TOLERANCE, preserve_topology=True)
        return simplified if simplified.geom_type == "MultiPolygon" else MultiPolygon(simplified, srid=4326)

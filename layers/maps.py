"""The map pages' maps: regions by progress, projects by health, cameras and imagery.

Folium objects in, HTML pieces out: views never assemble maps. Nothing about individual
projects is inlined: tiles and the API deliver them, so a page weighs the same for 300
projects or a million.
"""
from __future__ import annotations

from dataclasses import dataclass

import folium
from branca.element import MacroElement
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from folium.elements import JSCSSMixin
from folium.plugins import Draw, Fullscreen, MarkerCluster, VectorGridProtobuf
from folium.template import Template

from geotrack.core.links import url_template
from layers.imagery_maps import add_comparison, add_imagery_layers
from layers.mapkit import Legend, LocalMap, RenderedMap, localise, render_map
from layers.palette import HEALTH_COLOURS, HEALTH_SYMBOLS, NO_DATA_COLOUR, PROGRESS_STEPS, health_labels
from projects.models import Project

KAZAKHSTAN_BOUNDS = [[40.5, 46.4], [55.5, 87.4]]


def progress_legend() -> Legend:
    entries = [(colour, f"{low}–{PROGRESS_STEPS[i + 1][0] if i + 1 < len(PROGRESS_STEPS) else 100}%")
               for i, (low, colour) in enumerate(PROGRESS_STEPS)]
    entries.append((NO_DATA_COLOUR, _("no projects")))
    return Legend(_("Mean physical progress"), entries)


def health_legend() -> Legend:
    labels = health_labels()
    return Legend(_("Project health"), [(HEALTH_COLOURS[key], labels[key], HEALTH_SYMBOLS[key]) for key in HEALTH_COLOURS],
                  position="bottomleft")


def popup_labels() -> dict:
    """Every word the map's JavaScript shows, in the page's language."""
    return {
        "agency": _("Agency"), "status": _("Status"), "health": _("Health"), "progress": _("Physical progress"),
        "deadline": _("Deadline"), "roadmapItems": _("Roadmap items"), "openProject": _("Open the project"),
        "online": _("online"), "offline": _("offline"), "snapshot": _("Latest snapshot"),
        "captured": _("Captured"), "noSnapshot": _("No snapshot yet"), "lastSeen": _("Last seen"),
        "liveStream": _("Live stream"), "openCamera": _("Open the camera"), "watches": _("Watches"),
        "project": _("Project"), "projects": _("Projects"), "meanProgress": _("Mean physical progress"),
        "statuses": {value: str(label) for value, label in Project.Status.choices},
        "healths": health_labels(),
        "save": _("Save geometry"), "saving": _("Saving…"), "saved": _("Saved."),
        "failed": _("The change was not saved."), "drawFirst": _("Draw the project's geometry first."),
        "oneKind": _("Draw only one kind of geometry: points, lines or polygons."),
        "conflict": _("Someone else changed this project since you opened it. Your drawing is kept on the map; "
                      "reload to see their change, then draw again."),
        "reload": _("Reload"),
    }


class Overview(JSCSSMixin, MacroElement):
    """Hand folium's layers to geotrack/maps.js, which fills them and keeps them current."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        geotrack.mount({{ this._parent.get_name() }}, {
            regions: {{ this.regions.get_name() }},
            projects: {{ this.projects.get_name() }},
            cameras: {% if this.cameras %}{{ this.cameras.get_name() }}{% else %}null{% endif %},
            cones: {% if this.cones %}{{ this.cones.get_name() }}{% else %}null{% endif %}
        }, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, *, regions, projects, cameras, cones, config: dict):
        super().__init__()
        self._name = "Overview"
        self.regions, self.projects, self.cameras, self.cones = regions, projects, cameras, cones
        self.config = config
        self.default_js = [("geotrack_maps", static("geotrack/maps.js"))]


class EditorWiring(JSCSSMixin, MacroElement):
    """Hand the drawn-items layer to geotrack/editor.js, which saves through the API."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        geotrack.editor({{ this._parent.get_name() }}, {{ this.drawn.get_name() }}, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, *, drawn, config: dict):
        super().__init__()
        self._name = "EditorWiring"
        self.drawn = drawn
        self.config = config
        self.default_js = [("geotrack_editor", static("geotrack/editor.js"))]


class MeasureTool(JSCSSMixin, MacroElement):
    """Distances and areas measured on the map (geotrack/measure.js: no eval, keyboard buttons)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        geotrack.measure({{ this._parent.get_name() }}, {{ this.labels|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "MeasureTool"
        self.labels = measure_labels()
        self.default_js = [("geotrack_measure", static("geotrack/measure.js"))]


def measure_labels() -> dict[str, str]:
    return {"measure": _("Measure distances and areas"), "start": _("Start"), "finish": _("Finish"),
            "cancel": _("Cancel"), "hint": _("Measure a distance or an area."),
            "clickPoints": _("Click points on the map, then Finish."), "distance": _("Distance"), "area": _("Area"),
            "addCentre": _("Add the map centre as a point"),
            "keyboardHint": _("Move the map with the arrow keys and add its centre as a point, then Finish."),
            "km": _("km"), "m": _("m"), "ha": _("ha"), "sqm": _("m²")}


@dataclass(frozen=True)
class MapOptions:
    """What one map page shows. URLs carry ?scope=public on embeds."""

    focus_iso: str | None = None
    bounds: list | None = None
    embed: bool = False
    cameras: bool = True
    poll_ms: int = 4000
    imagery: tuple = ()
    editor: dict | None = None
    projects_query: str | None = None  # a few projects as GeoJSON (e.g. "roadmap_item=7") instead of tiles
    compare: tuple | None = None  # (before, after) imagery with a swipe control


def overview_map(options: MapOptions) -> RenderedMap:
    """Return a map of regions by progress, projects by health (vector tiles) and cameras.

    Nothing about individual projects is inlined: tiles and the API deliver them, so the
    page weighs the same for 300 projects or a million.
    """
    project_tiles = url_template("vector-tile", layer="projects", z="{z}", x="{x}", y="{y}")
    fmap = LocalMap(location=[48.0, 67.0], zoom_start=5, min_zoom=3, height="100%", width="100%")
    fmap.fit_bounds(options.bounds or KAZAKHSTAN_BOUNDS)
    regions = folium.FeatureGroup(name=_("Regions by progress"), overlay=True, control=True).add_to(fmap)
    if options.projects_query:
        projects = folium.FeatureGroup(name=_("Projects by health")).add_to(fmap)
    else:
        # Projects draw above the region overlay; their pane exists before the layer, so
        # each tile is requested once.
        folium.map.CustomPane("gtProjects", z_index=450, pointer_events=False).add_to(fmap)
        projects = localise(VectorGridProtobuf(
            project_tiles + ("?scope=public" if options.embed else ""),
            _("Projects by health"), "geotrack.projectTileOptions()"))
        projects.add_to(fmap)
    cameras = cones = None
    if options.cameras:
        cones = folium.FeatureGroup(name=_("Camera fields of view"), show=True).add_to(fmap)
        cameras = localise(MarkerCluster(name=_("Cameras"))).add_to(fmap)
    _add_imagery(fmap, options.imagery, options.compare)
    if options.editor:
        drawn = folium.FeatureGroup(name=_("Drawing"), control=False).add_to(fmap)
        localise(Draw(export=False, feature_group=drawn, position="topleft",
                      draw_options={"circle": False, "circlemarker": False, "rectangle": False},
                      edit_options={"poly": {"allowIntersection": False}})).add_to(fmap)
        EditorWiring(drawn=drawn, config={**options.editor, "labels": popup_labels()}).add_to(fmap)
    Overview(regions=regions, projects=projects, cameras=cameras, cones=cones, config={
        "regionsUrl": reverse("region-list"), "camerasUrl": reverse("camera-list"),
        "changesUrl": reverse("changes"), "tileUrl": project_tiles, "scope": "public" if options.embed else "",
        "focusIso": options.focus_iso,
        "regionLinkBase": None if options.embed else url_template("region-map", iso="{iso}"),
        "urls": map_urls(),
        "pollMs": options.poll_ms, "labels": popup_labels(),
        "aggregateBelowZoom": settings.GEOTRACK["TILE_AGGREGATE_BELOW_ZOOM"],
        "projectsQuery": options.projects_query,
    }).add_to(fmap)
    progress_legend().add_to(fmap)
    health_legend().add_to(fmap)
    localise(Fullscreen(position="topleft")).add_to(fmap)
    MeasureTool().add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return render_map(fmap)


def map_urls() -> dict[str, str]:
    """The paths the map's JavaScript follows, as templates with {placeholders}."""
    return {"projects": reverse("project-list"), "project": url_template("project-detail", pk="{id}"),
            "projectPage": url_template("project-page", pk="{id}"), "cameraPage": url_template("camera-page", pk="{id}")}


def _add_imagery(fmap, imagery, compare) -> None:
    if compare:
        add_comparison(fmap, *compare)
        imagery = [image for image in imagery if image not in compare]
    if imagery:
        add_imagery_layers(fmap, imagery)

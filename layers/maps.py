"""Build Leaflet maps with Folium, with every asset served by geotrack itself.

Folium objects in, HTML pieces out: views never assemble maps. Folium's own
asset lists point at CDNs; `LocalMap` replaces them per instance with files from
the npm registry (geotrack/assets.py), so maps work on offline networks.
"""
from __future__ import annotations

from dataclasses import dataclass

import folium
from branca.element import MacroElement
from django.conf import settings
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from folium.elements import JSCSSMixin
from folium.template import Template

from projects.models import Project

KAZAKHSTAN_BOUNDS = [[40.5, 46.4], [55.5, 87.4]]

# Mean physical progress, 0-100, in five steps from red to green.
PROGRESS_STEPS = [(0, "#d73027"), (20, "#fc8d59"), (40, "#fee08b"), (60, "#91cf60"), (80, "#1a9850")]
NO_DATA_COLOUR = "#bdbdbd"

_MAP_JS = [("leaflet", "vendor/leaflet/leaflet.js")]
_MAP_CSS = [("leaflet_css", "vendor/leaflet/leaflet.css"), ("geotrack_map_css", "geotrack/map.css")]

# Folium plugins point at CDNs; each gets these local files instead (per instance).
PLUGIN_ASSETS = {
    "VectorGridProtobuf": ([("vectorgrid", "vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js")], []),
    "MarkerCluster": (
        [("markerclusterjs", "vendor/markercluster/leaflet.markercluster.js")],
        [("markerclustercss", "vendor/markercluster/MarkerCluster.css"),
         ("markerclusterdefaultcss", "vendor/markercluster/MarkerCluster.Default.css")],
    ),
    "Fullscreen": ([("fullscreen_js", "vendor/leaflet-fullscreen/Control.FullScreen.js")],
                   [("fullscreen_css", "vendor/leaflet-fullscreen/Control.FullScreen.css")]),
    "MeasureControl": ([("leaflet_measure_js", "vendor/leaflet-measure/leaflet-measure.{language}.js")],
                       [("leaflet_measure_css", "vendor/leaflet-measure/leaflet-measure.css")]),
    "Draw": ([("leaflet_draw_js", "vendor/leaflet-draw/leaflet.draw.js")],
             [("leaflet_draw_css", "vendor/leaflet-draw/leaflet.draw.css")]),
}


def localise(element, kind: str | None = None):
    """Point a folium plugin's assets at our own static files (in the page's language where they have one)."""
    js, css = PLUGIN_ASSETS[kind or type(element).__name__]
    language = {"kk": "ru", "ru": "ru"}.get((get_language() or "en")[:2], "en")  # leaflet-measure has no kk
    element.default_js = [(name, static(path.format(language=language))) for name, path in js]
    element.default_css = [(name, static(path)) for name, path in css]
    return element


def progress_colour(progress: float | None) -> str:
    if progress is None:
        return NO_DATA_COLOUR
    colour = PROGRESS_STEPS[0][1]
    for threshold, step_colour in PROGRESS_STEPS:
        if progress >= threshold:
            colour = step_colour
    return colour


class LocalMap(folium.Map):
    """A folium Map whose Leaflet comes from /static/, never from a CDN."""

    def __init__(self, **kwargs):
        kwargs.setdefault("tiles", None)
        kwargs.setdefault("prefer_canvas", False)
        kwargs.setdefault("control_scale", True)
        super().__init__(**kwargs)
        self.options["maxZoom"] = 18  # marker clusters need the map's maximum zoom
        self.default_js = [(name, static(path)) for name, path in _MAP_JS]
        self.default_css = [(name, static(path)) for name, path in _MAP_CSS]
        if settings.BASEMAP_URL:
            folium.TileLayer(
                tiles=settings.BASEMAP_URL, attr=settings.BASEMAP_ATTRIBUTION, name=_("Basemap"),
                max_zoom=19, control=True,
            ).add_to(self)


class Legend(MacroElement):
    """A legend control. Labels are passed as JSON and set as text, never as HTML."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function () {
                var box = L.DomUtil.create("div", "geotrack-legend");
                var title = L.DomUtil.create("strong", "", box);
                title.textContent = {{ this.title|tojson }};
                {{ this.entries|tojson }}.forEach(function (entry) {
                    var row = L.DomUtil.create("div", "geotrack-legend-row", box);
                    var swatch = L.DomUtil.create("i", "geotrack-legend-swatch", row);
                    swatch.style.background = entry[0];
                    row.appendChild(document.createTextNode(entry[1]));
                });
                return box;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, title: str, entries: list[tuple[str, str]], position: str = "bottomright"):
        super().__init__()
        self._name = "Legend"
        self.title = str(title)
        self.entries = [[colour, str(label)] for colour, label in entries]
        self.position = position


def progress_legend() -> Legend:
    entries = [(colour, f"{low}–{PROGRESS_STEPS[i + 1][0] if i + 1 < len(PROGRESS_STEPS) else 100}%")
               for i, (low, colour) in enumerate(PROGRESS_STEPS)]
    entries.append((NO_DATA_COLOUR, _("no projects")))
    return Legend(_("Mean physical progress"), entries)


@dataclass(frozen=True)
class RenderedMap:
    """The three pieces a page template places: assets in <head>, the map div, its script."""

    header: SafeString
    html: SafeString
    script: SafeString
    name: str


def render_map(fmap: folium.Map) -> RenderedMap:
    root = fmap.get_root()
    root.render()
    return RenderedMap(
        header=mark_safe(root.header.render()),
        html=mark_safe(root.html.render()),
        script=mark_safe(root.script.render()),
        name=fmap.get_name(),
    )


HEALTH_COLOURS = {"on_track": "#1a9850", "at_risk": "#fdae61", "overdue": "#d73027", "done": "#2c7bb6"}


def health_legend() -> Legend:
    labels = health_labels()
    return Legend(_("Project health"), [(HEALTH_COLOURS[key], labels[key]) for key in HEALTH_COLOURS],
                  position="bottomleft")


def health_labels() -> dict[str, str]:
    return {"on_track": _("On track"), "at_risk": _("At risk"), "overdue": _("Overdue"), "done": _("Done")}


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
    from folium.plugins import Draw, Fullscreen, MarkerCluster, MeasureControl, VectorGridProtobuf

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
            "/tiles/projects/{z}/{x}/{y}.mvt" + ("?scope=public" if options.embed else ""),
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
        "regionsUrl": "/api/regions/", "camerasUrl": "/api/cameras/", "changesUrl": "/api/changes/",
        "tileUrl": "/tiles/projects/{z}/{x}/{y}.mvt", "scope": "public" if options.embed else "",
        "focusIso": options.focus_iso, "regionLinkBase": None if options.embed else "/map/regions/",
        "pollMs": options.poll_ms, "labels": popup_labels(),
        "aggregateBelowZoom": settings.GEOTRACK["TILE_AGGREGATE_BELOW_ZOOM"],
        "projectsQuery": options.projects_query,
    }).add_to(fmap)
    progress_legend().add_to(fmap)
    health_legend().add_to(fmap)
    localise(Fullscreen(position="topleft")).add_to(fmap)
    localise(MeasureControl(position="topleft", primary_length_unit="kilometers", secondary_length_unit="meters",
                            primary_area_unit="hectares", secondary_area_unit="sqmeters")).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return render_map(fmap)


def _add_imagery(fmap, imagery, compare) -> None:
    from layers.imagery_maps import add_comparison, add_imagery_layers

    if compare:
        add_comparison(fmap, *compare)
        imagery = [image for image in imagery if image not in compare]
    if imagery:
        add_imagery_layers(fmap, imagery)

"""The three HTTP servers of the benchmark, each a gunicorn with 2 sync workers on 127.0.0.1.

(geotrack) the project itself; (pygeoapi) its PostgreSQL provider over the same table, in a
venv of its own under bench/.work/; (drf) plain DRF-GIS, see plain_drf.py.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from bench.api_geojson.dataset import DB_NAME, KZ_BBOX, LIST_FIELDS
from bench.common import REPO, VENV_BIN, WORK, Server, database_url, free_port, socket_port, start_server

PYGEOAPI_VENV = WORK / "pygeoapi-venv"
PYGEOAPI_PACKAGES = ("pygeoapi", "psycopg2-binary", "GeoAlchemy2", "gunicorn")


def gunicorn_options(port: int) -> list[str]:
    """The same options for every server: 2 sync workers, no access log."""
    return ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "sync",
            "--timeout", "120", "--log-level", "warning"]


def django_env(folder: Path, settings_module: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "CONN_MAX_AGE"}}
    env.update(DATABASE_URL=database_url(DB_NAME, folder), DJANGO_SETTINGS_MODULE=settings_module,
               DEBUG="0", PYTHONPATH=str(REPO))
    return env


def start_geotrack(folder: Path) -> Server:
    port = free_port()
    argv = [str(VENV_BIN / "gunicorn"), *gunicorn_options(port), "geotrack.wsgi:application"]
    return start_server("geotrack", argv, port=port, env=django_env(folder, "geotrack.settings"),
                        ready_path="/api/projects/?page_size=1")


def start_plain_drf(folder: Path) -> Server:
    port = free_port()
    argv = [str(VENV_BIN / "gunicorn"), *gunicorn_options(port), "geotrack.wsgi:application"]
    return start_server("drf", argv, port=port, env=django_env(folder, "bench.api_geojson.bench_settings"),
                        ready_path="/api/projects/?page_size=1")


def ensure_pygeoapi_venv() -> None:
    """Create bench/.work/pygeoapi-venv once (about 20 s); later runs reuse it."""
    python = PYGEOAPI_VENV / "bin" / "python"
    if (PYGEOAPI_VENV / "bin" / "pygeoapi").exists() and (PYGEOAPI_VENV / "bin" / "gunicorn").exists():
        return
    print("  installing pygeoapi into bench/.work/pygeoapi-venv ...")
    subprocess.run(["python3", "-m", "venv", str(PYGEOAPI_VENV)], check=True, timeout=120)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *PYGEOAPI_PACKAGES], check=True, timeout=900)


def pygeoapi_config(folder: Path, port: int) -> dict:
    """A minimal pygeoapi config: one collection over projects_project, compact JSON, 10000 items max."""
    provider = {
        "type": "feature", "name": "PostgreSQL", "table": "projects_project", "id_field": "id",
        "geom_field": "geom", "properties": list(LIST_FIELDS),
        "data": {"host": str(folder), "port": socket_port(folder), "dbname": DB_NAME, "user": "postgres",
                 "search_path": ["public"]},
    }
    collection = {
        "type": "collection", "title": "projects", "description": "geotrack projects", "keywords": ["projects"],
        "extents": {"spatial": {"bbox": list(KZ_BBOX), "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
        "providers": [provider],
    }
    server = {
        "bind": {"host": "127.0.0.1", "port": port}, "url": f"http://127.0.0.1:{port}",
        "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8", "gzip": False,
        "languages": ["en-US"], "pretty_print": False,
        "limits": {"default_items": 100, "max_items": 10000},
        "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OpenStreetMap"},
    }
    metadata = {
        "identification": {"title": "bench", "description": "bench", "keywords": ["bench"],
                           "keywords_type": "theme", "terms_of_service": "none", "url": "http://127.0.0.1"},
        "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
        "provider": {"name": "bench", "url": "http://127.0.0.1"}, "contact": {"name": "bench"},
    }
    return {"server": server, "logging": {"level": "ERROR"}, "metadata": metadata,
            "resources": {"projects": collection}}


def start_pygeoapi(folder: Path) -> Server:
    """Write the config (JSON is YAML), generate the OpenAPI document, and serve pygeoapi."""
    ensure_pygeoapi_venv()
    port = free_port()
    config, openapi = WORK / "pygeoapi-config.yml", WORK / "pygeoapi-openapi.yml"
    config.write_text(json.dumps(pygeoapi_config(folder, port), indent=1))
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    bin_dir = PYGEOAPI_VENV / "bin"
    subprocess.run([str(bin_dir / "pygeoapi"), "openapi", "generate", str(config), "--output-file", str(openapi)],
                   env=env, check=True, timeout=120, capture_output=True)
    argv = [str(bin_dir / "gunicorn"), *gunicorn_options(port), "pygeoapi.flask_app:APP"]
    return start_server("pygeoapi", argv, port=port, env=env, cwd=WORK,
                        ready_path="/collections/projects/items?limit=1&f=json")

"""The house in layers: imports only go down, none hides in a function, paths come from the URL configuration."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PACKAGES = ("geotrack", "projects", "execution", "citizens", "camera_sites", "layers")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

# Imports inside functions that are there for a reason other than a cycle, each with that reason.
FUNCTION_IMPORTS = {
    ("projects/apps.py", "simple_history.signals"): "AppConfig.ready: signals connect once apps are loaded",
    ("camera_sites/apps.py", "camera_sites.services"): "AppConfig.ready: services import models",
    ("execution/apps.py", "execution.selectors"): "AppConfig.ready: selectors import models",
    ("execution/apps.py", "projects.selectors"): "AppConfig.ready: selectors import models",
    ("geotrack/site/notifications/apps.py", "geotrack.site.notifications"):
        "AppConfig.ready: the domain-event receivers import models of execution and citizens",
    ("geotrack/lib/localdb.py", "psycopg"): "runs before the virtual environment is complete",
    ("geotrack/site/reports/formats.py", "weasyprint"): "loads Pango, which only the PDF needs",
    ("geotrack/site/meetings.py", "weasyprint"): "loads Pango, which only the protocol PDF needs",
    # The admin (loaded by every manage.py command) imports layers/admin.py and layers/tasks.py.
    ("layers/admin.py", "layers.imagery_services"): "loads rasterio and rio-tiler, which only a raster upload needs",
    ("layers/tasks.py", "layers.imagery_services"): "loads rasterio and rio-tiler, which only the imagery task needs",
    ("layers/tasks.py", "layers.change"): "loads rasterio, which only the evidence task needs",
    # Start-up of every process (bench/startup): what django.setup() imports loads no library it does not use.
    ("geotrack/core/images.py", "PIL"): "loads Pillow, which only an image needs (camera_sites.services imports it)",
    ("geotrack/core/apps.py", "geotrack.core.metrics"): "loads prometheus-client, which only a finished job needs here",
}
OUR_PATH = re.compile(r"^/(api|projects|cameras|map|embed|roadmap|reports|tiles|ogc|imagery|accounts|admin|"
                      r"healthz|readyz|metrics|feedback|meetings|agencies|settings|i18n)(/|$)")


def python_files():
    for package in PACKAGES:
        for path in sorted((BASE_DIR / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_the_import_contract_holds():
    result = subprocess.run([str(LINT_IMPORTS)], cwd=BASE_DIR, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_no_import_hides_inside_a_function():
    found = []
    for path in python_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                    key = (str(path.relative_to(BASE_DIR)), module)
                    if key not in FUNCTION_IMPORTS:
                        found.append(f"{key[0]}:{node.lineno} imports {module}")
    assert not found, found


def _docstrings(tree) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def test_python_outside_urls_holds_no_path_of_ours():
    found = []
    for path in python_files():
        if path.name in {"urls.py", "api_urls.py"} or path.name.endswith("_urls.py"):
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if OUR_PATH.match(node.value.strip()):
                    found.append(f"{path.relative_to(BASE_DIR)}:{node.lineno} {node.value!r}")
    assert not found, found

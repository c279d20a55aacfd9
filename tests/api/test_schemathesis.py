"""schemathesis against /api/schema/ as a planner: zero 5xx and zero responses that break the schema."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point

from projects.models import Project
from projects.services import project_save

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


@pytest.mark.django_db(transaction=True)
def test_the_api_survives_generated_requests(live_server, people, agency):
    for lon in (71.40, 71.45):
        project_save(project=Project(title="Site", sector="transport", kind="infrastructure", agency=agency,
                                     geom=Point(lon, 51.13, srid=4326), is_public=True))
    token = people["astana_planner"].token
    result = subprocess.run(
        [str(SCHEMATHESIS), "run", f"{live_server.url}/api/schema/", "-H", f"Authorization: Token {token}",
         "--max-examples", "15", "--phases", "examples,fuzzing", "--workers", "1", "--seed", "20261126",
         "--checks", "not_a_server_error,response_schema_conformance", "--request-timeout", "20"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "passed" in result.stdout

"""schemathesis on the notification API alone (the suite's tests/api run covers it too): no 5xx, answers match
the OpenAPI document."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


@pytest.mark.django_db(transaction=True)
def test_the_notification_api_survives_generated_requests(live_server, people, agency, tmp_path):
    schema = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(schema), "--validate", "--fail-on-warn")
    result = subprocess.run(
        [str(SCHEMATHESIS), "run", str(schema), "--url", live_server.url,
         "-H", f"Authorization: Token {people['analyst'].token}",
         "--max-examples", "25", "--phases", "examples,fuzzing", "--workers", "1", "--seed", "20261201",
         "--checks", "all", "--exclude-checks", "positive_data_acceptance", "--request-timeout", "20",
         "--include-path-regex", "^/api/(subscriptions|notifications|alert-states)/"],
        capture_output=True, text=True, timeout=600)
    (tmp_path / "schemathesis.log").write_text(result.stdout)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "passed" in result.stdout

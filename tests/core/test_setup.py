"""`make` set-up is idempotent: a second run installs nothing and reuses the cluster."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def run(*command: str) -> subprocess.CompletedProcess:
    # Under `make test`, make's own variables would turn this into a sub-make.
    env = {key: value for key, value in os.environ.items() if key not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS"}}
    return subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=600)


def test_a_second_setup_installs_nothing():
    result = run("make", "setup")
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    for install_step in ("installing Debian packages", "pip install", "npm ci", "compilemessages", "collectstatic"):
        assert install_step not in output
    assert run("make", "check-setup").stdout.strip() == "geotrack: set-up complete"


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="the local cluster is used only without DATABASE_URL")
def test_the_local_cluster_is_reused_not_recreated():
    result = run(sys.executable, "-m", "geotrack.lib.localdb", "start")
    assert result.returncode == 0, result.stderr
    assert "reused" in result.stdout


def test_a_database_url_pointing_nowhere_is_reported_in_one_line():
    env = {**os.environ, "DATABASE_URL": "postgis://nobody@127.0.0.1:9/nowhere"}
    result = subprocess.run([sys.executable, "-m", "geotrack.lib.localdb", "start"], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("geotrack: DATABASE_URL does not answer")

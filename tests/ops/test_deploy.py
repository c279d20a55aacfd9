"""What this machine can check of deploy/: nginx -t, systemd-analyze verify, the container and compose files."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from dockerfile_parse import DockerfileParser
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[2]
DEPLOY = BASE_DIR / "deploy"


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is in APT_PACKAGES; make sysdeps installs it")
def test_nginx_accepts_the_configuration(tmp_path):
    (tmp_path / "tls").mkdir()
    (tmp_path / "cache").mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test",
                    "-keyout", str(tmp_path / "tls/privkey.pem"), "-out", str(tmp_path / "tls/fullchain.pem")],
                   check=True, capture_output=True)
    site = (DEPLOY / "nginx/geotrack.conf").read_text()
    site = site.replace("/etc/nginx/geotrack-proxy.conf", str(DEPLOY / "nginx/geotrack-proxy.conf"))
    site = site.replace("/etc/ssl/geotrack/", f"{tmp_path}/tls/").replace("/var/cache/nginx/", f"{tmp_path}/cache/")
    (tmp_path / "geotrack.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/geotrack.conf;
}}
""")
    result = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_upload_limits_match_the_application():
    """Every body limit of the application is at most what nginx lets through on that route."""
    site = (DEPLOY / "nginx/geotrack.conf").read_text()
    units = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}
    declared = {name: int(size) * units[unit] for size, unit, name in
                re.findall(r"client_max_body_size (\d+)([kmg]);\s*#\s*([A-Z_]+)", site)}
    default = re.search(r"client_max_body_size (\d+)m;", site)
    limits = settings.GEOTRACK["BODY_LIMITS"]
    assert int(default.group(1)) * units["m"] == limits["default"]
    assert declared["SNAPSHOT_MAX_BYTES"] == limits["camera-snapshots"]
    assert declared["IMAGERY_MAX_BYTES"] == limits["imagery-list"]
    assert declared["IMPORT_MAX_BYTES"] == limits["import-projects"]
    assert declared["REPORT_MAX_BODY_BYTES"] == limits["project-report"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze here")
def test_systemd_units_verify(tmp_path):
    for unit in (DEPLOY / "systemd").iterdir():
        # The units name /srv/geotrack; here the checkout stands in for it.
        (tmp_path / unit.name).write_text(unit.read_text().replace("/srv/geotrack", str(BASE_DIR)))
    units = sorted(str(path) for path in tmp_path.iterdir())
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True,
                            timeout=120)
    problems = [line for line in (result.stdout + result.stderr).splitlines() if "geotrack" in line]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


def test_the_container_file_parses_and_copies_what_exists():
    parser = DockerfileParser(fileobj=open(DEPLOY / "Containerfile", "rb"))
    instructions = [entry["instruction"] for entry in parser.structure if entry["instruction"] != "COMMENT"]
    known = {"FROM", "ENV", "RUN", "WORKDIR", "COPY", "USER", "EXPOSE", "HEALTHCHECK", "CMD", "ARG", "LABEL"}
    assert instructions[0] == "FROM" and set(instructions) <= known, instructions
    assert parser.baseimage.startswith("python:3.11")
    for entry in parser.structure:
        if entry["instruction"] == "COPY":  # every source exists in the build context (the checkout)
            for source in entry["value"].split()[:-1]:
                assert (BASE_DIR / source).exists(), source
    assert parser.cmd.startswith("[") and "gunicorn" in parser.cmd  # exec form: signals reach gunicorn
    assert any(entry["instruction"] == "USER" and entry["value"] != "root" for entry in parser.structure)


def test_the_compose_file_holds_every_service():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"db", "redis", "s3", "web", "worker", "sweep", "nginx"} <= set(services)
    assert "postgis" in services["db"]["image"] and "redis" in services["redis"]["image"]
    for name in ("web", "worker", "sweep"):
        env = services[name]["environment"]
        assert env["DEFAULT_FILE_STORAGE"] == "storages.backends.s3.S3Storage"
        assert env["CACHE_LOCATION"].startswith("redis://redis:")
        assert "postgres@" not in env["DATABASE_URL"]  # the app's own role, never the superuser
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (DEPLOY / source).exists(), source


def gunicorn_settings(**environment: str) -> dict[str, str]:
    """What gunicorn makes of deploy/gunicorn.conf.py (its own --print-config) under an environment."""
    result = subprocess.run([str(Path(sys.executable).with_name("gunicorn")), "--print-config", "-c",
                             str(DEPLOY / "gunicorn.conf.py"), "geotrack.wsgi"], cwd=BASE_DIR, capture_output=True,
                            text=True, timeout=60, env={**os.environ, **environment}, check=True)
    pairs = (line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def test_gunicorn_runs_two_processes_per_usable_core_of_four_threads_unless_told():
    default = gunicorn_settings(WEB_WORKERS="", WEB_THREADS="")
    assert default["worker_class"] == "gthread"
    assert int(default["workers"]) == 2 * len(os.sched_getaffinity(0)) and int(default["threads"]) == 4
    told = gunicorn_settings(WEB_WORKERS="3", WEB_THREADS="5")
    assert (told["workers"], told["threads"]) == ("3", "5")

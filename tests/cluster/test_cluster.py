"""Against `make cluster` (geotrack/lib/cluster.py): two app nodes behind nginx, a primary and its streaming
replica, our own Redis, moto as the S3 store, two workers. `make test-cluster` brings it up, runs this
file and takes it down; without it running, these tests are skipped.

The last test promotes the replica (the documented fail-over), so the order of this file matters.
"""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import redis
from PIL import Image

from geotrack.lib import cluster
from tests.ops import live

pytestmark = pytest.mark.skipif(not (os.environ.get("GEOTRACK_TEST_CLUSTER") and cluster.STATE_FILE.exists()),
                                reason="make test-cluster runs these (the last one promotes the replica)")

ASTANA_POINT = {"type": "Point", "coordinates": [71.43, 51.13]}
SETUP = """
import json
from django.contrib.gis.geos import Point
from knox.models import AuthToken
from camera_sites.models import Camera
from camera_sites.services import camera_create
from projects.models import Agency
from tests.actors import make_person
from tests.conftest import load_regions
from projects.models import Region
if not Region.objects.exists():
    load_regions()
Agency.objects.get_or_create(code="min-energy", defaults=dict(name_en="Ministry of Energy", name_ru="Минэнерго",
                             name_kk="Энергетика министрлігі", kind=Agency.Kind.MINISTRY))
regions = {r.iso_code: r for r in Region.objects.all()}
tag = "%(tag)s"
planner = make_person("planner-" + tag, "planner", [], regions)
analyst = make_person("analyst-" + tag, "analyst", [], regions)
camera, device_token = camera_create(camera=Camera(label="Cluster gate", location=Point(71.43, 51.13, srid=4326),
    bearing=0, fov_angle=60, range_m=500, is_public=True, public_delay_minutes=0))
print(json.dumps({"planner": planner.token, "analyst": analyst.token, "camera": camera.pk, "device": device_token}))
"""


@pytest.fixture(scope="module")
def world():
    state = json.loads(cluster.STATE_FILE.read_text())
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", SETUP % {"tag": uuid.uuid4().hex[:8]}],
                         cwd=live.BASE_DIR, env=state["env"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return {**state, **json.loads(out.stdout.strip().splitlines()[-1])}


def node(world, name: str, path: str) -> str:
    return f"http://127.0.0.1:{world['nodes'][name]['port']}{path}"


def front(world, path: str) -> str:
    return f"http://127.0.0.1:{world['nginx']['port']}{path}"


def create_project(address: str, token: str, title: str) -> tuple[int, dict, bytes]:
    return live.request(address, "POST", {"type": "Feature", "geometry": ASTANA_POINT, "properties": {
        "title": title, "sector": "transport", "kind": "infrastructure", "agency": "min-energy",
        "status": "implementation", "is_public": True}}, headers={"Authorization": f"Token {token}"})


def primary_titles(world, prefix: str) -> set[str]:
    with psycopg.connect(host=world["primary"]["socket"], user="geotrack", dbname="geotrack") as conn:
        return {row[0] for row in conn.execute("SELECT title FROM projects_project WHERE title LIKE %s",
                                               [prefix + "%"])}


def test_a_write_through_one_node_is_read_through_the_other(world):
    status, _, body = create_project(node(world, "a", "/api/projects/"), world["planner"], "Cluster bridge")
    assert status == 201, body
    pk = json.loads(body)["id"]
    # The writer, through the other node at once: sticky to the primary (the mark is in the shared Redis).
    status, headers, body = live.request(node(world, "b", f"/api/projects/{pk}/"),
                                         headers={"Authorization": f"Token {world['planner']}"})
    assert status == 200 and headers["X-Geotrack-Read-From"] == "default", (status, body)
    # Another caller reads the replica and sees it within the replica's lag.
    def seen_by_analyst():
        status, headers, _ = live.request(node(world, "b", f"/api/projects/{pk}/"),
                                          headers={"Authorization": f"Token {world['analyst']}"})
        return status == 200 and headers["X-Geotrack-Read-From"] == "replica"
    assert live.wait_for(seen_by_analyst, 5, interval=0.05)


def test_a_snapshot_stored_through_node_a_is_served_by_node_b(world):
    image = Image.new("RGB", (64, 48), (10, 120, 200))
    data = io.BytesIO()
    image.save(data, "JPEG")
    boundary = "geotrackboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"s.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + data.getvalue() + f"\r\n--{boundary}--\r\n".encode()
    request = live.urllib.request.Request(node(world, "a", f"/api/cameras/{world['camera']}/snapshots/"),
                                          data=body, method="POST", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", "Authorization": f"Bearer {world['device']}"})
    with live.urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        snapshot = json.loads(response.read())
    status, headers, served = live.request(node(world, "b", snapshot["url"]),
                                           headers={"Authorization": f"Token {world['planner']}"})
    assert status == 200 and Image.open(io.BytesIO(served)).size == (64, 48), (status, served[:200])
    # The bytes node B served are an object of the S3 store (moto), not a file on either node's disk.
    s3 = cluster.boto3.client("s3", endpoint_url=world["moto"]["url"], aws_access_key_id="geotrack",
                              aws_secret_access_key="geotrack", region_name="us-east-1")
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=cluster.BUCKET).get("Contents", [])
            if item["Key"].startswith("snapshots/") and "/thumbs/" not in item["Key"]]
    stored = [s3.get_object(Bucket=cluster.BUCKET, Key=key)["Body"].read() for key in keys]
    assert served in stored, keys


def test_the_cache_is_invalidated_on_every_node(world):
    """Cluster tiles are cached in the shared Redis under the change token: a write through A moves both nodes."""
    store = redis.Redis(unix_socket_path=world["redis"]["socket"])
    auth = {"Authorization": f"Token {world['planner']}"}
    tile = "/tiles/projects/3/5/2.mvt"  # the z3 tile over Astana: clusters, built once and cached
    before = {name: live.request(node(world, name, tile), headers=auth) for name in ("a", "b")}
    assert before["a"][0] == before["b"][0] == 200 and before["a"][2] == before["b"][2]
    assert any(b"clusters" in key for key in store.keys("*")), store.keys("*")
    status, _, _ = create_project(node(world, "a", "/api/projects/"), world["planner"], "Cluster cache road")
    assert status == 201
    after = {name: live.request(node(world, name, tile), headers=auth) for name in ("a", "b")}
    assert after["a"][2] == after["b"][2] != before["a"][2]


def test_killing_one_node_under_writes_loses_no_accepted_write(world):
    prefix = f"Kill {uuid.uuid4().hex[:6]} "
    outcomes: list[tuple[str, int]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n: int) -> None:
        i = 0
        while not stop.is_set():
            title = f"{prefix}{n}-{i}"
            status, _, _ = create_project(front(world, "/api/projects/"), world["planner"], title)
            with lock:
                outcomes.append((title, status))
            i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    os.killpg(world["nodes"]["a"]["pid"], signal.SIGKILL)
    killed_at = len(outcomes)
    time.sleep(2.5)
    stop.set()
    for thread in threads:
        thread.join(30)
    accepted = {title for title, status in outcomes if status == 201}
    stored = primary_titles(world, prefix)
    assert accepted <= stored, accepted - stored
    after = [status for _, status in outcomes[killed_at + 8:]]
    assert after and all(status == 201 for status in after), after  # nginx routes around the dead node
    statuses = [status for _, status in outcomes]
    print(f"kill: {len(accepted)} accepted, all stored; answers {sorted(set(statuses))}; "
          f"{len(stored) - len(accepted)} stored without an answer (in flight at the kill)")


def test_promoting_the_replica_keeps_every_acknowledged_write(world):
    prefix = f"Promote {uuid.uuid4().hex[:6]} "
    acknowledged = set()
    for i in range(20):
        status, _, _ = create_project(front(world, "/api/projects/"), world["planner"], f"{prefix}{i}")
        if status == 201:
            acknowledged.add(f"{prefix}{i}")
    assert len(acknowledged) == 20
    subprocess.run([sys.executable, "-m", "geotrack.lib.cluster", "promote"], cwd=live.BASE_DIR, check=True,
                   capture_output=True, timeout=120)
    with psycopg.connect(host=world["replica"]["socket"], user="geotrack", dbname="geotrack",
                         autocommit=True) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is False
        titles = {row[0] for row in conn.execute("SELECT title FROM projects_project WHERE title LIKE %s",
                                                 [prefix + "%"])}
        assert titles == acknowledged
        conn.execute("CREATE TEMP TABLE written_after_promotion (x int)")  # it takes writes now

"""Play camera devices against a running geotrack over HTTP: snapshots, heartbeats, outages.

Used by `manage.py simulate_cameras` and by bench/camera_ingest. Standard library HTTP only;
one kept-alive connection per worker thread.
"""
from __future__ import annotations

import datetime as dt
import heapq
import http.client
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.urls import reverse

from camera_sites.scene import scene_jpeg


@dataclass
class Device:
    camera_id: int
    token: str
    offline_until: float = 0.0


@dataclass
class Stats:
    statuses: Counter = field(default_factory=Counter)  # (kind, status) -> count
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"snapshot": [], "heartbeat": []})
    lags: list[float] = field(default_factory=list)  # how late each request started (client saturation)
    outages: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, status: int, seconds: float, lag: float, error: str = "") -> None:
        with self.lock:
            self.statuses[(kind, status)] += 1
            self.latencies[kind].append(seconds)
            self.lags.append(lag)
            if error and len(self.errors) < 20:
                self.errors.append(error)

    def count(self, kind: str, ok: int) -> tuple[int, int]:
        total = sum(n for (k, _status), n in self.statuses.items() if k == kind)
        return total, total - self.statuses[(kind, ok)]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


class Client:
    """One persistent HTTP connection per thread to the geotrack under test."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.local = threading.local()

    def post(self, path: str, token: str, body: bytes = b"", content_type: str = "") -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {token}", "Content-Length": str(len(body))}
        if content_type:
            headers["Content-Type"] = content_type
        for attempt in range(2):  # a kept-alive connection the server closed is retried once
            connection = getattr(self.local, "connection", None)
            if connection is None:
                connection = self.local.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                connection.close()
                self.local.connection = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def multipart(image: bytes, captured_at: dt.datetime) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"captured_at\"\r\n\r\n"
            f"{captured_at.isoformat()}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; "
            f"filename=\"snapshot.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").encode() + image + \
        f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _send(client: Client, stats: Stats, device: Device, kind: str, due: float) -> None:
    started = time.monotonic()
    try:
        if kind == "snapshot":
            now = dt.datetime.now(dt.timezone.utc)
            body, content_type = multipart(scene_jpeg(camera_id=device.camera_id, when=now), now)
            status, reply = client.post(reverse("camera-snapshots", args=[device.camera_id]), device.token, body,
                                        content_type)
        else:
            status, reply = client.post(reverse("camera-heartbeat", args=[device.camera_id]), device.token)
        ok = status == (201 if kind == "snapshot" else 204)
        stats.record(kind, status, time.monotonic() - started, started - due,
                     "" if ok else f"{kind} camera {device.camera_id}: {status} {reply[:200]!r}")
    except Exception as exc:  # noqa: BLE001 - every failure is counted, none stops the run
        stats.record(kind, 0, time.monotonic() - started, started - due, f"{kind}: {exc!r}")


def simulate(*, base_url: str, devices: list[Device], interval: float, duration: float,
             heartbeat_every: float | None = None, offline_rate: float = 0.0, workers: int = 16,
             seed: int = 1, outage_s: tuple[float, float] | None = None,
             every: tuple[float, Callable[[], object]] | None = None) -> Stats:
    """Run the devices for `duration` seconds: a snapshot every `interval`, heartbeats in between.

    An outage lasts a random time in outage_s; `every` = (seconds, callable) runs a chore periodically.
    """
    generator = random.Random(seed)
    client, stats = Client(base_url), Stats()
    heartbeat_every = heartbeat_every or interval * 3
    outage_s = outage_s or (interval * 3, interval * 12)
    start = time.monotonic()
    end = start + duration
    queue: list[tuple[float, int, str, Device]] = []
    for number, device in enumerate(devices):  # spread the devices over the first interval
        heapq.heappush(queue, (start + generator.uniform(0, interval), number, "snapshot", device))
        heapq.heappush(queue, (start + generator.uniform(0, heartbeat_every), number, "heartbeat", device))
    next_chore = start + (every[0] if every else duration + 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while queue and queue[0][0] < end:
            due, number, kind, device = heapq.heappop(queue)
            time.sleep(max(0.0, due - time.monotonic()))
            if every and time.monotonic() >= next_chore:
                every[1]()
                next_chore += every[0]
            heapq.heappush(queue, (due + (interval if kind == "snapshot" else heartbeat_every), number, kind, device))
            if due < device.offline_until:
                continue  # the device is down: it sends nothing
            if kind == "snapshot" and generator.random() < offline_rate:
                device.offline_until = due + generator.uniform(*outage_s)
                stats.outages += 1
                continue
            pool.submit(_send, client, stats, device, kind, due)
    return stats


def summary(stats: Stats, duration: float) -> list[str]:
    """Human-readable lines: counts, error counts and latency percentiles per kind."""
    lines = []
    for kind, ok in (("snapshot", 201), ("heartbeat", 204)):
        total, errors = stats.count(kind, ok)
        latencies = [s * 1000 for s in stats.latencies[kind]]
        lines.append(f"{kind}s: {total} sent ({total / duration:.1f}/s), {errors} errors, "
                     f"p50 {percentile(latencies, 50):.0f} ms, p99 {percentile(latencies, 99):.0f} ms, "
                     f"max {max(latencies, default=float('nan')):.0f} ms")
    lines.append(f"client start lag p99 {percentile(stats.lags, 99) * 1000:.0f} ms; outages played: {stats.outages}")
    lines.extend(f"  error: {error}" for error in stats.errors[:5])
    return lines

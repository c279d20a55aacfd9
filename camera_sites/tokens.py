"""Device tokens: random, shown once, stored as a hash.

A token reads `<camera id>.<secret>`. The id lets the server fetch one row by primary
key; the secret is 32 random bytes (256 bits). A fast SHA-256 is the right hash here:
slow hashes (PBKDF2, Argon2) protect low-entropy passwords from guessing, but nobody
can enumerate 2**256 secrets at any speed, while a slow hash would cost ~100 ms of CPU
on every snapshot and heartbeat. The stored digest is compared in constant time.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import transaction

from camera_sites.models import Camera

SECRET_BYTES = 32


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def camera_token_issue(*, camera: Camera) -> str:
    """Give a camera a new device token, invalidating the old one, and return it (shown once)."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    camera.token_hash = token_digest(secret)
    Camera.objects.filter(pk=camera.pk).update(token_hash=camera.token_hash)
    return f"{camera.pk}.{secret}"


def camera_for_token(token: str) -> Camera | None:
    """Return the camera a device token belongs to, or None for any wrong token."""
    camera_id, _, secret = token.partition(".")
    if not camera_id.isdigit() or not secret or len(token) > 200:
        return None
    camera = Camera.objects.filter(pk=int(camera_id)).only(
        "id", "token_hash", "online", "last_seen_at", "last_snapshot_at").first()
    if camera is None or not camera.token_hash:
        return None
    if not hmac.compare_digest(camera.token_hash, token_digest(secret)):
        return None
    return camera

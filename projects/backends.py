"""The session's user comes with its profile: one query where Django's ModelBackend and the role make two.

Every signed-in request reads the user (Django's AuthenticationMiddleware) and then its role
(`projects.access.user_role` reads `user.profile`). Fetching both in one join saves a round trip to
PostgreSQL on every signed-in request, cached pages included. Everything else is ModelBackend's:
sign-in, inactive users refused, permissions.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class ProfileModelBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("profile").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

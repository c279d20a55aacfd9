"""The people in the tests: an Almaty akimat user, an Astana planner, an analyst, an admin."""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from knox.models import AuthToken

from projects.models import Profile

PASSWORD = "correct-horse-battery"


@dataclass
class Person:
    user: object
    token: str

    @property
    def auth_header(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Token {self.token}"}


def make_person(username: str, role: str, region_isos: list[str], regions: dict, agencies=()) -> Person:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD,
                                                is_staff=role == "admin", is_superuser=role == "admin")
    profile = Profile.objects.create(user=user, role=role)
    profile.regions.set([regions[iso] for iso in region_isos])
    profile.agencies.set(list(agencies))
    return Person(user=user, token=AuthToken.objects.create(user=user)[1])


def make_people(regions: dict) -> dict[str, Person]:
    return {
        "almaty_akimat": make_person("aigerim", "akimat", ["KZ-75"], regions),
        "astana_planner": make_person("bolat", "planner", [], regions),
        "analyst": make_person("dana", "analyst", [], regions),
        "admin": make_person("erlan", "admin", [], regions),
    }

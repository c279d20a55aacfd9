"""Every page of ours, on the demo data, for the phone and accessibility tests."""
from __future__ import annotations

from django.core.management import call_command
from django.urls import reverse

from camera_sites.models import Camera
from citizens.models import Feedback
from execution.models import Meeting
from layers.models import Imagery
from projects.models import Profile, Project, RoadmapItem
from tests.actors import PASSWORD, make_person

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def load_demo_pages() -> dict:
    """Load the demo; return the public paths of every kind of page and an akimat who may report."""
    call_command("load_demo", verbosity=0)
    imagery = Imagery.objects.filter(project__isnull=False, is_public=True, status="ready").first()
    project = imagery.project
    item = RoadmapItem.objects.order_by("number").first()
    camera = Camera.objects.filter(is_public=True).order_by("pk").first()
    region = project.region
    public = [
        reverse("home"), reverse("map"), reverse("region-map", args=[region.iso_code]),
        reverse("embed"), reverse("project-embed", args=[project.pk]),
        reverse("roadmap"), item.get_absolute_url(), project.get_absolute_url(), camera_url(camera),
        reverse("imagery-compare", args=[project.pk]), reverse("roadmap-report", args=["html"]),
        reverse("login"), "/no-such-page/",
    ]
    akimat = make_person("phone-akimat", Profile.Role.AKIMAT, [], {})
    akimat.user.profile.regions.set(list(project.region_links.values_list("region_id", flat=True)))
    elsewhere = (Project.objects.filter(is_public=True)
                 .exclude(region_links__region_id__in=project.region_links.values("region_id")).order_by("pk").first())
    signed_in = [reverse("project-report", args=[project.pk]), project.get_absolute_url(), reverse("project-new"),
                 reverse("project-report", args=[elsewhere.pk])]  # not theirs: the 403 page
    # The citizens' and the roadmap execution's pages (they came later; same demo, same load).
    feedback = Feedback.objects.filter(project__isnull=False).order_by("pk").first()
    public += [reverse("feedback-new") + f"?project={project.pk}", reverse("feedback-new") + f"?roadmap_item={item.number}",
               reverse("feedback-follow", args=[feedback.follow_token]),
               reverse("agency-page", args=[item.agency.code])]
    signed_in += [reverse("feedback-moderation"), reverse("notification-settings")]
    ministry = make_person("phone-ministry", Profile.Role.MINISTRY, [], {}, agencies=[item.agency])
    coordinator = make_person("phone-coordinator", Profile.Role.COORDINATOR, [], {})
    meeting = Meeting.objects.order_by("-held_on").first()
    by_role = {  # username: the pages only that role sees
        ministry.user.username: [item.get_absolute_url(), reverse("notification-settings")],
        coordinator.user.username: [reverse("meeting-page", args=[meeting.pk]),
                                    reverse("meeting-present", args=[meeting.pk])],
    }
    return {"public": public, "signed_in": signed_in, "project": project, "akimat": akimat, "item": item,
            "by_role": by_role, "meeting": meeting, "ministry": ministry, "coordinator": coordinator}


def camera_url(camera: Camera) -> str:
    return reverse("camera-page", args=[camera.pk])


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def set_language(context, base_url: str, code: str) -> None:
    context.add_cookies([{"name": "django_language", "value": code, "url": base_url}])

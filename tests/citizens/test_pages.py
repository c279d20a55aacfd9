"""Feedback on the pages: follow page limits, published feedback and counts, the dashboard and alerts."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from citizens.models import Feedback
from geotrack.site.alerts import alerts_for
from projects.access import Audience, audience_for
from tests.actors import PASSWORD
from tests.citizens.conftest import ALMATY, upload


def _send(client, project, text="The gate of the school is broken again.", category="quality"):
    response = client.post(reverse("feedback-list"), {"project": project.pk, "category": category, "text": text},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 201
    return Feedback.objects.get(pk=response.json()["id"])


@pytest.mark.django_db
def test_the_follow_page_is_private_rate_limited_and_unknown_tokens_are_404(client, site, settings):
    feedback = _send(client, site["school"])
    url = reverse("feedback-follow", args=[feedback.follow_token])
    page = client.get(url)
    assert page.status_code == 200 and page["Referrer-Policy"] == "no-referrer" and "no-store" in page["Cache-Control"]
    assert client.get(reverse("feedback-follow", args=["x" * 43])).status_code == 404
    settings.GEOTRACK = {**settings.GEOTRACK, "RATE_LIMITS": {**settings.GEOTRACK["RATE_LIMITS"],
                                                              "feedback-token": (3, 3600)}}
    answers = [client.get(url, REMOTE_ADDR=f"10.2.0.{n}").status_code for n in range(3)]
    assert answers == [200, 200, 429]  # the token's own limit, whatever the address


@pytest.mark.django_db
def test_a_browser_form_post_lands_on_the_follow_page(client, site):
    response = client.post(reverse("feedback-list"), {"project": site["school"].pk, "category": "delay",
                                                      "text": "Work stopped two weeks ago.", "website": ""},
                           HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert response.status_code == 303
    assert response["Location"].endswith(reverse("feedback-follow", args=[Feedback.objects.get().follow_token]))


@pytest.mark.django_db
def test_pages_show_published_feedback_counts_and_evidence_to_reviewers_only(client, site, people):
    published = _send(client, site["school"], text="Thank you <script>alert(1)</script> for the park", category="praise")
    _send(client, site["school"], text="Not yet moderated, should stay hidden.")
    published.status = "published"
    published.save(update_fields=["status"])
    page = client.get(site["school"].get_absolute_url()).content.decode()
    assert "Thank you &lt;script&gt;alert(1)&lt;/script&gt; for the park" in page
    assert "Not yet moderated" not in page and 'id="report-a-problem"' in page
    assert "Praise: <strong>1</strong>" in page
    item_page = client.get(site["item"].get_absolute_url()).content.decode()
    assert reverse("feedback-new") + f"?roadmap_item={site['item'].number}" in item_page
    embed = client.get(reverse("project-embed", args=[site["school"].pk])).content.decode()
    assert 'target="_blank"' in embed and "feedback/new/?project=" in embed
    # Evidence beside progress photos: signed-in reviewers only.
    client.login(username=people["almaty_akimat"].user.username, password=PASSWORD)
    client.post(reverse("project-report", args=[site["school"].pk]),
                {"physical": 10, "financial": 5, "photos": [upload("p.jpg", 30, lon=ALMATY[0], lat=ALMATY[1])]})
    assert "taken inside the site" in client.get(site["school"].get_absolute_url()).content.decode()
    client.logout()
    assert "taken inside the site" not in client.get(site["school"].get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_unanswered_feedback_is_counted_on_the_dashboard_and_alerted_after_the_set_days(client, site, people):
    old = _send(client, site["school"])
    _send(client, site["astana"])
    Feedback.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    client.login(username=people["almaty_akimat"].user.username, password=PASSWORD)
    home = client.get(reverse("home")).content.decode()
    region = home.split('id="unanswered-by-region"')[1].split("</ol>")[0]
    assert "KZ-75" in region and "— 1" in region and "KZ-71" not in region  # Astana's is not theirs to see
    assert reverse("feedback-moderation") in home
    alerts = [a for a in alerts_for(audience=audience_for(people["almaty_akimat"].user))
              if a["kind"] == "feedback_unanswered"]
    assert len(alerts) == 1 and alerts[0]["object"]["id"] == site["school"].pk
    assert not [a for a in alerts_for(audience=Audience()) if a["kind"] == "feedback_unanswered"]  # not public
    old.status, old.reply = "published", "We are on it."
    old.save(update_fields=["status", "reply"])
    assert not [a for a in alerts_for(audience=audience_for(people["almaty_akimat"].user))
                if a["kind"] == "feedback_unanswered"]

"""add_user --role ministry --agency CODE (repeatable) and --role coordinator."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from projects.access import audience_for
from projects.models import Agency


@pytest.mark.django_db
def test_it_binds_a_ministry_to_its_agencies_and_makes_a_national_coordinator(regions, agency, capsys):
    Agency.objects.create(code="min-finance", name_en="Finance", name_ru="Финансы", name_kk="Қаржы", kind="ministry")
    call_command("add_user", "zhanna", "--role", "ministry", "--agency", "min-energy", "--agency", "min-finance",
                 "--password", "long-enough-pw")
    assert capsys.readouterr().out.strip() == "created zhanna (ministry, min-energy, min-finance)"
    user = get_user_model().objects.get(username="zhanna")
    assert sorted(user.profile.agencies.values_list("code", flat=True)) == ["min-energy", "min-finance"]
    assert len(audience_for(user).agency_ids) == 2
    call_command("add_user", "saule", "--role", "coordinator", "--password", "long-enough-pw")
    assert audience_for(get_user_model().objects.get(username="saule")).sees_everything


@pytest.mark.django_db
def test_it_refuses_a_ministry_without_agencies_and_unknown_codes(regions, agency):
    with pytest.raises(CommandError, match="--agency"):
        call_command("add_user", "a", "--role", "ministry", "--password", "long-enough-pw")
    with pytest.raises(CommandError, match="min-nothing"):
        call_command("add_user", "a", "--role", "ministry", "--agency", "min-nothing", "--password", "long-enough-pw")
    with pytest.raises(CommandError, match="only ministry and akimat"):
        call_command("add_user", "a", "--role", "analyst", "--agency", "min-energy", "--password", "long-enough-pw")
    assert not get_user_model().objects.filter(username="a").exists()

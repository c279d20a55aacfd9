"""The contract's add_user command."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from knox.auth import TokenAuthentication


@pytest.mark.django_db
def test_it_creates_an_akimat_bound_to_a_region_and_prints_a_working_token(regions, capsys):
    call_command("add_user", "saule", "--role", "akimat", "--region", "KZ-75", "--password", "long-enough-pw", "--token")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "created saule (akimat, KZ-75)"
    user = get_user_model().objects.get(username="saule")
    assert user.check_password("long-enough-pw")
    assert [r.iso_code for r in user.profile.regions.all()] == ["KZ-75"]
    authenticated, _ = TokenAuthentication().authenticate_credentials(lines[1].encode())
    assert authenticated == user


@pytest.mark.django_db
def test_running_it_again_updates_the_user(regions):
    call_command("add_user", "saule", "--role", "akimat", "--region", "KZ-75", "--password", "long-enough-pw")
    call_command("add_user", "saule", "--role", "planner", "--password", "another-long-pw")
    user = get_user_model().objects.get(username="saule")
    assert user.profile.role == "planner" and not user.profile.regions.exists()


@pytest.mark.django_db
def test_it_refuses_an_unknown_region(regions):
    with pytest.raises(CommandError, match="KZ-99"):
        call_command("add_user", "saule", "--role", "akimat", "--region", "KZ-99", "--password", "long-enough-pw")
    assert not get_user_model().objects.filter(username="saule").exists()


@pytest.mark.django_db
def test_it_reads_the_password_from_the_environment(regions, monkeypatch):
    monkeypatch.setenv("GEOTRACK_PASSWORD", "from-the-environment")
    call_command("add_user", "nurlan", "--role", "analyst")
    assert get_user_model().objects.get(username="nurlan").check_password("from-the-environment")

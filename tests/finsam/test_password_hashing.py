"""Passwords are hashed with the tuned Argon2id; older PBKDF2 hashes still work and are
upgraded at the next login."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.urls import reverse

from ..factories import UserFactory

PASSWORD = "Ett-langt-losenord-1"
PRODUCTION_HASHERS = list(django_settings.PASSWORD_HASHERS)  # read before any test swaps them


@pytest.fixture
def production_hashers(settings):
    # tests/conftest.py swaps in a fast hasher for every test; put the real ones back.
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    return settings


def test_settings_hash_new_passwords_with_the_tuned_argon2():
    assert PRODUCTION_HASHERS[0] == "finsam.lib.hashers.FinsamArgon2PasswordHasher"


def test_new_password_is_argon2id_with_our_parameters(production_hashers):
    encoded = make_password(PASSWORD)
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password(PASSWORD, encoded)
    assert not check_password("fel", encoded)


@pytest.mark.django_db
def test_an_old_pbkdf2_hash_signs_in_and_is_upgraded(production_hashers, client):
    user = UserFactory(username="gammal")
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    response = client.post(reverse("konto:login"), {"username": "gammal", "password": PASSWORD})
    assert response.status_code in (200, 302)
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "argon2"
    assert check_password(PASSWORD, user.password)

"""The stored password hash: Argon2id at the chosen parameters, older hashes upgraded at login.

The suite itself hashes with MD5 (conftest) so that it stays fast; these tests put the
production list back for the one login they make.
"""

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher

import kptportal.settings as production_settings
from accounts.tests.factories import TEST_PASSWORD
from accounts.tests.test_login import post_credentials
from core.hashers import PortalArgon2PasswordHasher

PRODUCTION_HASHERS = ["core.hashers.PortalArgon2PasswordHasher",
                      "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def _parameters(encoded: str) -> tuple[str, int, int, int]:
    assert encoded.startswith("argon2$"), encoded.split("$")[0]
    decoded = PortalArgon2PasswordHasher().decode(encoded)
    return (decoded["variety"], decoded["memory_cost"], decoded["time_cost"],
            decoded["parallelism"])


def test_production_hashes_with_argon2id_at_owasp_minimum_or_above():
    assert production_settings.PASSWORD_HASHERS[0] == "core.hashers.PortalArgon2PasswordHasher"
    variety, memory_kib, passes, lanes = _parameters(
        PortalArgon2PasswordHasher().encode("Un-mot-de-passe-2026", "saltsaltsaltsalt"))
    assert variety == "argon2id"
    assert memory_kib >= 19 * 1024 and passes >= 2 and lanes >= 1


@pytest.mark.parametrize("stored", [
    # What the portal stored before: PBKDF2 (few iterations, to keep the test quick) ...
    lambda: PBKDF2PasswordHasher().encode(TEST_PASSWORD, PBKDF2PasswordHasher().salt(),
                                          iterations=1000),
    # ... and Argon2 with Django's default parameters (100 MiB, 2 passes, 8 lanes).
    lambda: Argon2PasswordHasher().encode(TEST_PASSWORD, Argon2PasswordHasher().salt()),
], ids=["pbkdf2", "argon2-django-defaults"])
def test_a_login_rehashes_an_older_hash_with_the_chosen_parameters(
        client, login_household, settings, stored):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    user = login_household.account
    user.password = stored()
    user.save(update_fields=["password"])

    response = post_credentials(client)

    assert 'name="token-otp_token"' in response.content.decode()  # the password step passed
    user.refresh_from_db()
    assert _parameters(user.password) == ("argon2id", 19 * 1024, 2, 1)
    assert user.check_password(TEST_PASSWORD)


def test_a_wrong_password_leaves_the_stored_hash_alone(client, login_household, settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    user = login_household.account
    stored = PBKDF2PasswordHasher().encode(TEST_PASSWORD, PBKDF2PasswordHasher().salt(),
                                          iterations=1000)
    user.password = stored
    user.save(update_fields=["password"])

    post_credentials(client, password="Pas-le-bon-2026")

    user.refresh_from_db()
    assert user.password == stored


def test_a_hash_at_the_chosen_parameters_is_not_rewritten(client, login_household, settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    user = login_household.account
    user.password = PortalArgon2PasswordHasher().encode(
        TEST_PASSWORD, PortalArgon2PasswordHasher().salt())  # a salt of full length
    user.save(update_fields=["password"])
    stored = user.password

    post_credentials(client)

    user.refresh_from_db()
    assert user.password == stored

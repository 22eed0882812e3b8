import pytest

from core.relying_party import mismatches, origin_for, production_problems, rp_id_for


@pytest.mark.parametrize(("base_url", "rp_id", "origin"), [
    ("https://portal.kpt.example", "portal.kpt.example", "https://portal.kpt.example"),
    ("https://Portal.KPT.example:443/", "portal.kpt.example", "https://portal.kpt.example"),
    ("https://portal.kpt.example:8443", "portal.kpt.example", "https://portal.kpt.example:8443"),
    ("http://127.0.0.1:8000", "localhost", "http://localhost:8000"),
    ("http://localhost:8000", "localhost", "http://localhost:8000"),
    ("http://[::1]:8000", "localhost", "http://localhost:8000"),
])
def test_the_relying_party_and_origin_come_from_the_base_url(base_url, rp_id, origin):
    assert rp_id_for(base_url) == rp_id
    assert origin_for(base_url) == origin


def test_production_accepts_its_domain_and_subdomains():
    assert production_problems("kpt.example", ["https://portal.kpt.example",
                                               "https://kpt.example"]) == []


@pytest.mark.parametrize(("rp_id", "origins", "named"), [
    ("localhost", ["https://portal.kpt.example"], "PASSKEY_RP_ID"),
    ("10.0.0.5", ["https://portal.kpt.example"], "PASSKEY_RP_ID"),
    ("portal.kpt.example", ["http://portal.kpt.example"], "not an https:// origin"),
    ("portal.kpt.example", ["https://evil.example"], "outside PASSKEY_RP_ID"),
    ("portal.kpt.example", ["https://notportal.kpt.example"], "outside PASSKEY_RP_ID"),
    ("portal.kpt.example", [], "must list"),
])
def test_production_names_each_mismatch(rp_id, origins, named):
    problems = production_problems(rp_id, origins)
    assert any(named in problem for problem in problems), problems


def test_development_on_localhost_is_no_mismatch_but_no_production_either():
    assert mismatches("localhost", ["http://localhost:8000"]) == []
    assert production_problems("localhost", ["http://localhost:8000"])


def test_the_deploy_check_warns_while_passkeys_are_bound_to_localhost(settings):
    from core.checks import portal_deploy_checks

    settings.PASSKEY_RP_ID, settings.PASSKEY_ORIGINS = "localhost", ["http://localhost:8000"]
    assert "kptportal.W005" in {message.id for message in portal_deploy_checks(None)}
    settings.PASSKEY_RP_ID = "portal.kpt.example"
    settings.PASSKEY_ORIGINS = ["https://portal.kpt.example"]
    assert "kptportal.W005" not in {message.id for message in portal_deploy_checks(None)}

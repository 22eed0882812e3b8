import pytest


def test_every_page_has_a_strict_content_security_policy(client, db):
    policy = client.get("/login/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_pages_cannot_be_framed_or_sniffed(client, db):
    response = client.get("/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(("path", "camera"), [("/login/", "camera=()"),
                                              ("/claims/new/", "camera=(self)")])
def test_camera_is_allowed_on_the_upload_page_only(client, db, path, camera):
    assert camera in client.get(path)["Permissions-Policy"]


def test_templates_carry_no_inline_script_or_style():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for template in root.rglob("*.html"):
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle=\"", text) \
                or re.search(r"<style\b", text) or re.search(r"\son[a-z]+=\"", text):
            offenders.append(str(template.relative_to(root)))
    assert offenders == []

"""Production's static storage: the manifest's URL of a name, worked out once."""

from __future__ import annotations

import json
from unittest import mock

import pytest

from core.static_storage import RememberingManifestStorage


@pytest.fixture
def storage(tmp_path, settings):
    settings.STATIC_URL = "/static/"
    (tmp_path / "staticfiles.json").write_text(json.dumps({
        "version": "1.1", "hash": "0",
        "paths": {"img/icons.svg": "img/icons.0a1b2c.svg", "css/portal.css": "css/portal.9f8e.css"},
    }))
    return RememberingManifestStorage(location=str(tmp_path), base_url="/static/")


def test_urls_are_the_manifests_hashed_names(storage):
    assert storage.url("img/icons.svg") == "/static/img/icons.0a1b2c.svg"
    assert storage.url("css/portal.css") == "/static/css/portal.9f8e.css"


def test_a_name_is_looked_up_in_the_manifest_once(storage):
    with mock.patch.object(RememberingManifestStorage, "stored_name",
                           wraps=storage.stored_name) as looked_up:
        urls = {storage.url("img/icons.svg") for _ in range(27)}
    assert urls == {"/static/img/icons.0a1b2c.svg"}
    assert looked_up.call_count == 1


def test_a_name_missing_from_the_manifest_still_fails_every_time(storage):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("js/unknown.js")

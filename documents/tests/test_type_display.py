import pytest
from django.utils import translation

from claims.models import Claim, ClaimKind, ClaimStatus
from documents.models import Document, DocumentType


@pytest.mark.parametrize("language", ["fr", "de", "it", "en"])
def test_type_and_status_names_are_the_translated_labels(language):
    with translation.override(language):
        for value, label in DocumentType.choices:
            assert Document(type=value).get_type_display() == str(label)
        for value, label in ClaimKind.choices:
            assert Claim(kind=value).get_kind_display() == str(label)
        for value, label in ClaimStatus.choices:
            assert Claim(status=value).get_status_display() == str(label)


def test_an_unknown_type_shows_its_stored_value():
    assert Document(type="future_type").get_type_display() == "future_type"

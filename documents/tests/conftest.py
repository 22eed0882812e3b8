import pytest

from documents.tests.factories import private_storage_follows_settings


@pytest.fixture(autouse=True)
def _document_storage(_private_storage_in_tmp):
    """FileField binds its storage at import; point it at this test's (tmp) storage."""
    with private_storage_follows_settings():
        yield

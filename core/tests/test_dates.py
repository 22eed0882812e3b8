from datetime import date

import pytest

from core.dates import parse_written_date


@pytest.mark.parametrize(("raw", "day"), [
    ("14.03.2026", date(2026, 3, 14)),
    ("2026-03-14", date(2026, 3, 14)),
    ("31.02.2026", None),  # no such day
    ("03/14/2026", None),
    ("", None),
])
def test_a_date_is_read_as_the_swiss_or_iso_write_it(raw, day):
    assert parse_written_date(raw) == day

"""The portal's date filters print what Django's ``date`` filter prints, faster."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation


def _render(source: str, **context: object) -> str:
    return Template("{% load portal %}" + source).render(Context(context))


@pytest.mark.parametrize("value", [
    date(2026, 1, 5), date(2026, 12, 31), date(999, 3, 4),
    datetime(2026, 12, 31, 23, 30, tzinfo=UTC),  # already 1 January in Zurich
    datetime(2026, 6, 30, 22, 15, tzinfo=UTC),  # already 1 July in Zurich (summer time)
])
def test_dmy_dmy_hm_and_iso_match_the_date_filter(settings, value):
    settings.TIME_ZONE = "Europe/Zurich"
    with timezone.override("Europe/Zurich"):
        assert _render("{{ v|dmy }}", v=value) == _render('{{ v|date:"d.m.Y" }}', v=value)
        if isinstance(value, datetime):
            assert _render("{{ v|dmy_hm }}", v=value) == _render('{{ v|date:"d.m.Y H:i" }}',
                                                                 v=value)
            assert _render("{{ v|iso }}", v=value) == _render("{{ v|date:'c' }}", v=value)
        else:
            assert _render("{{ v|iso }}", v=value) == _render("{{ v|date:'Y-m-d' }}", v=value)


def test_a_datetime_is_printed_on_the_portals_local_day():
    with timezone.override("Europe/Zurich"):
        assert _render("{{ v|dmy }}", v=datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "01.01.2027"
        assert _render("{{ v|dmy_hm }}",
                       v=datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "01.01.2027 00:30"


def test_the_same_format_in_every_language():
    for language in ("fr", "de", "it", "en"):
        with translation.override(language):
            assert _render("{{ v|dmy }}", v=date(2026, 3, 14)) == "14.03.2026"


@pytest.mark.parametrize("value", [None, "", "not a date", 17])
def test_no_date_prints_nothing(value):
    assert _render("{{ v|dmy }}|{{ v|dmy_hm }}|{{ v|iso }}", v=value) == "||"

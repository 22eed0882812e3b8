"""The catalogues: French is the source wording (its msgstr stay empty, Django falls back to the
msgid), German, Italian and English are complete, and the formats are Swiss in all four."""

import datetime
import html
import re
import shutil
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"
TRANSLATED = ["de", "it", "en"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|%%")
# Mirrors `make messages`: what makemessages must not scan.
IGNORE = [".venv", "var", "bench", "node_modules", "staticfiles"]


def catalogue(lang):
    return polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))


def live_entries(lang):
    return [e for e in catalogue(lang) if not e.obsolete]


def translations(entry):
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_string_is_translated(lang):
    untranslated = [e.msgid for e in live_entries(lang) if not all(translations(e))]
    assert untranslated == [], f"{lang}: {len(untranslated)} empty msgstr, e.g. {untranslated[:5]}"


@pytest.mark.parametrize("lang", TRANSLATED + ["fr"])
def test_no_fuzzy_translation_or_header(lang):
    po = catalogue(lang)
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert not po.metadata_is_fuzzy
    assert fuzzy == []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_plural_forms_are_both_translated(lang):
    plurals = [e for e in live_entries(lang) if e.msgid_plural]
    assert plurals, "the code has plural strings (ngettext)"
    for entry in plurals:
        assert sorted(entry.msgstr_plural) == [0, 1]
        assert all(entry.msgstr_plural.values()), entry.msgid


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_the_placeholders(lang):
    wrong = []
    for entry in live_entries(lang):
        if "python-format" not in entry.flags:
            continue
        expected = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        wrong += [(entry.msgid, text) for text in translations(entry)
                  if sorted(PLACEHOLDER.findall(text)) != expected]
    assert wrong == []


def test_french_catalogue_is_the_source():
    """French is the wording in the code: its catalogue lists the same msgids, untranslated."""
    french = {(e.msgctxt, e.msgid) for e in live_entries("fr")}
    for lang in TRANSLATED:
        assert {(e.msgctxt, e.msgid) for e in live_entries(lang)} == french, lang
    assert all(not any(translations(e)) for e in live_entries("fr"))


def test_catalogue_holds_every_string_of_the_code(tmp_path, monkeypatch):
    """The makemessages diff: extract the code's strings into a scratch copy of the project
    (symlinks, so nothing in locale/ is written) and compare with the committed catalogue.
    Fix with `make messages` and translate."""
    root = Path(settings.BASE_DIR)
    scratch = tmp_path / "project"
    scratch.mkdir()
    for item in root.iterdir():
        if item.name not in IGNORE + ["locale", ".git"] and not item.name.startswith("."):
            (scratch / item.name).symlink_to(item)
    shutil.copytree(LOCALE / "de", scratch / "locale" / "de")
    monkeypatch.chdir(scratch)
    with override_settings(LOCALE_PATHS=[scratch / "locale"]):
        call_command("makemessages", locale=["de"], ignore_patterns=list(IGNORE), keep_pot=True,
                     symlinks=True, no_obsolete=True, verbosity=0)
    assert not (LOCALE / "django.pot").exists()
    extracted = {(e.msgctxt, e.msgid) for e in polib.pofile(str(scratch / "locale" / "django.pot"))
                 if e.msgid}
    committed = {(e.msgctxt, e.msgid) for e in live_entries("de")}
    missing = sorted(msgid for _ctx, msgid in extracted - committed)
    stale = sorted(msgid for _ctx, msgid in committed - extracted)
    assert missing == [], f"strings in the code, not in locale/: {missing[:10]}"
    assert stale == [], f"strings in locale/ no longer in the code: {stale[:10]}"


@pytest.mark.parametrize("lang, word", [
    ("fr", "Décompte de prestations"), ("de", "Leistungsabrechnung"),
    ("it", "Conteggio delle prestazioni"), ("en", "Benefit statement"),
])
def test_strings_render_in_each_language(lang, word):
    with translation.override(lang):
        assert translation.gettext("Décompte de prestations") == word


@pytest.mark.parametrize("lang", ["fr", "de", "it", "en"])
def test_dates_and_amounts_are_swiss_in_every_language(lang):
    template = Template("{% load portal %}{{ day }}|{{ day|date:'SHORT_DATE_FORMAT' }}|"
                        "{{ moment }}|{{ amount|chf }}|{{ big|chf }}")
    with translation.override(lang):
        rendered = template.render(Context({
            "day": datetime.date(2026, 3, 4),
            "moment": datetime.datetime(2026, 3, 4, 9, 5),
            "amount": Decimal("1234.5"),
            "big": Decimal("-1234567.05"),
        }))
    assert html.unescape(rendered) == ("04.03.2026|04.03.2026|04.03.2026 09:05|"
                                       "CHF 1'234.50|CHF -1'234'567.05")


@pytest.mark.parametrize("lang", ["fr", "de", "it", "en"])
def test_date_fields_accept_dd_mm_yyyy_in_every_language(lang):
    from django import forms

    with translation.override(lang):
        field = forms.DateField()
        assert field.clean("04.03.2026") == datetime.date(2026, 3, 4)

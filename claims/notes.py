"""The intake's notes on a claim, in the language of whoever reads them.

A note is stored as JSON (``{"code": ..., "params": {...}, "file": ...}``) on
``Claim.review_notes`` and rendered here when the advisor opens the claim, so an advisor working
in German reads German whatever the customer's language was.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.intake import (
    CorruptFileError,
    EncryptedPdfError,
    ImageTooLargeError,
    IntakeError,
    Note,
    TooManyPagesError,
    UnsupportedFormatError,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from accounts.models import InsuredPerson

__all__ = ["note", "error_note", "render", "render_all", "patient_mismatch", "household_match"]

MESSAGES: dict[str, _StrPromise] = {
    "rotated": gettext_lazy("Page {page} : tournée de {degrees}° pour pouvoir la lire."),
    "low_ocr_confidence": gettext_lazy(
        "Page {page} : texte difficile à lire (confiance {percent} %) ; vérifiez les montants, "
        "les dates et les numéros."
    ),
    "qr_invalid": gettext_lazy(
        "Un code QR a été trouvé, mais ce n'est pas une QR-facture valable ; les données de "
        "paiement viennent du texte imprimé."
    ),
    "no_text": gettext_lazy("Aucun texte lisible sur les pages (photo floue ou page vide ?)."),
    "qr_amount_differs": gettext_lazy(
        "Le montant de la QR-facture ({qr}) diffère du montant dû imprimé ({printed})."
    ),
    "qr_iban_differs": gettext_lazy(
        "Le compte de la QR-facture ({qr}) diffère de l'IBAN imprimé ({printed})."
    ),
    "field_missing": gettext_lazy("{field} : introuvable sur la facture, à saisir."),
    "unreadable": gettext_lazy("Le fichier n'a pas pu être lu : {detail}"),
    "unsupported": gettext_lazy("Le fichier n'est ni un PDF ni une image (JPEG, PNG, HEIC)."),
    "corrupt": gettext_lazy("Le fichier est endommagé ou incomplet."),
    "encrypted": gettext_lazy("Le PDF est protégé par un mot de passe."),
    "too_large": gettext_lazy("Le fichier est trop grand pour être lu automatiquement."),
    "too_many_pages": gettext_lazy("Le PDF a trop de pages pour être lu automatiquement."),
    "no_page_read": gettext_lazy("Aucune page n'a pu être lue automatiquement."),
    "gave_up_attempts": gettext_lazy(
        "Lecture automatique abandonnée après {attempts} tentatives."
    ),
    "gave_up_transient": gettext_lazy(
        "Lecture automatique impossible (erreur temporaire répétée : {detail})."
    ),
    "step_failed": gettext_lazy(
        "Lecture automatique interrompue à l'étape « {step} » : {detail}. Les pages sont "
        "conservées ; saisissez les champs."
    ),
    "patient_mismatch": gettext_lazy(
        "La facture est au nom de {name}, né(e) le {birth} ; la demande a été envoyée pour "
        "{insured}."
    ),
    "patient_mismatch_name": gettext_lazy(
        "La facture est au nom de {name} ; la demande a été envoyée pour {insured}."
    ),
    "patient_birth_mismatch": gettext_lazy(
        "La date de naissance sur la facture ({birth}) n'est pas celle de {insured} "
        "({insured_birth})."
    ),
    "patient_in_household": gettext_lazy(
        "{name} est assuré(e) dans le même ménage : la demande est peut-être pour cette personne."
    ),
}

FIELD_LABELS: dict[str, _StrPromise] = {
    "amount": gettext_lazy("Montant dû"),
    "invoice_date": gettext_lazy("Date de facture"),
    "provider_gln": gettext_lazy("GLN du prestataire"),
    "invoice_number": gettext_lazy("Numéro de facture"),
    "iban": gettext_lazy("IBAN"),
}

_ERRORS: list[tuple[type[IntakeError], str]] = [
    (UnsupportedFormatError, "unsupported"),
    (CorruptFileError, "corrupt"),
    (EncryptedPdfError, "encrypted"),
    (ImageTooLargeError, "too_large"),
    (TooManyPagesError, "too_many_pages"),
]


def note(code: str, params: dict[str, Any] | None = None, *, file: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"code": code}
    if params:
        out["params"] = params
    if file:
        out["file"] = file
    return out


def from_intake(found: Note, *, file: str = "") -> dict[str, Any]:
    return note(found.code, dict(found.params), file=file)


def error_note(exc: IntakeError, *, file: str = "") -> dict[str, Any]:
    for kind, code in _ERRORS:
        if isinstance(exc, kind):
            return note(code, file=file)
    return note("unreadable", {"detail": exc.message}, file=file)


def _show_date(value: object) -> str:
    day = value
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
    return date_format(day, "d.m.Y") if isinstance(day, date) else str(value)


def render(stored: dict[str, Any]) -> str:
    """One note in the active language; an unknown code is shown as it is, never dropped."""
    code = str(stored.get("code", ""))
    params = dict(stored.get("params") or {})
    if code == "field_missing":
        field = str(params.get("field", ""))
        params["field"] = str(FIELD_LABELS.get(field, field))
    if code == "low_ocr_confidence":
        params["percent"] = round(float(params.get("confidence", 0)) * 100)
    for key in ("birth", "insured_birth"):
        if key in params:
            params[key] = _show_date(params[key])
    template = MESSAGES.get(code)
    try:
        text = str(template).format(**params) if template is not None else code
    except (KeyError, ValueError, IndexError):
        text = f"{code} {params}"
    file = stored.get("file")
    return _("{file} : {text}").format(file=file, text=text) if file else text


def render_all(stored: list[dict[str, Any]] | None) -> list[str]:
    return [render(n) for n in stored or [] if isinstance(n, dict)]


# ------------------------------------------------------------------------------ patient check


def _fold(text: str) -> str:
    nfkd = unicodedata.normalize("NFKD", text)
    return "".join(c for c in nfkd if not unicodedata.combining(c)).casefold()


def _close(a: str, b: str) -> bool:
    """Equal, or one OCR slip apart (one letter changed, added or dropped) for long words."""
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _words(text: str) -> list[str]:
    return [w for w in "".join(c if c.isalpha() else " " for c in _fold(text)).split() if w]


def same_person(name: str | None, birth: date | None, person: InsuredPerson) -> bool | None:
    """True/False when what the invoice names does/doesn't fit ``person``; None if nothing read.

    The birth date decides when it was read; otherwise every word of the insured person's
    first name must appear in the name read (the household shares the last name)."""
    if birth is not None:
        return birth == person.birth_date
    if not name:
        return None
    read = _words(name)
    wanted = _words(person.first_name) or _words(person.last_name)
    return all(any(_close(w, r) for r in read) for w in wanted)


def patient_mismatch(
    name: str | None, birth: date | None, person: InsuredPerson, household: list[InsuredPerson]
) -> list[dict[str, Any]]:
    """Notes for the advisor when the invoice names someone else than ``person``."""
    if same_person(name, birth, person) is not False:
        return []
    insured = f"{person.first_name} {person.last_name}"
    if birth is not None and name:
        first = note("patient_mismatch", {"name": name, "birth": birth.isoformat(),
                                          "insured": insured})
    elif birth is not None:
        first = note("patient_birth_mismatch", {
            "birth": birth.isoformat(), "insured": insured,
            "insured_birth": person.birth_date.isoformat()})
    else:
        first = note("patient_mismatch_name", {"name": name, "insured": insured})
    notes = [first]
    for other in household:
        if other.pk != person.pk and same_person(name, birth, other) and (
            not name or same_person(name, None, other)
        ):
            notes.append(
                note("patient_in_household", {"name": f"{other.first_name} {other.last_name}"})
            )
            break
    return notes


def household_match(name: str | None, birth: date | None,
                    persons: Iterable[InsuredPerson]) -> InsuredPerson | None:
    """The one insured person of the household the invoice names, else None (nobody, or
    more than one: twins read by birth date only)."""
    if not name and birth is None:
        return None
    found = [p for p in persons if same_person(name, birth, p)
             and (not name or same_person(name, None, p))]
    return found[0] if len(found) == 1 else None

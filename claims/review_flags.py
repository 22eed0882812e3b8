"""What the review queue shows of a claim at a glance: one flag per kind of problem.

The intake's notes (``claims.notes``) say everything in sentences; the queue needs the few
that change what the advisor does first, each in words (no tooltip): a probable duplicate,
an invoice naming another person than the one the claim was sent for, a QR-bill amount that
differs from the printed total, a page the reading could not read. The other notes are
counted; the review page lists them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from claims.models import Claim


class Flag(StrEnum):
    DUPLICATE = "duplicate"
    PATIENT = "patient"
    AMOUNT = "amount"
    UNREADABLE = "unreadable"


LABELS = {
    Flag.DUPLICATE: _("Doublon probable"),
    Flag.PATIENT: _("Autre personne sur la facture"),
    Flag.AMOUNT: _("Montant QR ≠ total imprimé"),
    Flag.UNREADABLE: _("Page illisible"),
}

# The intake's note codes (claims.notes.MESSAGES) behind each flag.
NOTE_FLAGS = {
    "patient_mismatch": Flag.PATIENT,
    "patient_mismatch_name": Flag.PATIENT,
    "patient_birth_mismatch": Flag.PATIENT,
    "qr_amount_differs": Flag.AMOUNT,
    "no_text": Flag.UNREADABLE,
    "unreadable": Flag.UNREADABLE,
    "corrupt": Flag.UNREADABLE,
    "encrypted": Flag.UNREADABLE,
    "unsupported": Flag.UNREADABLE,
    "too_large": Flag.UNREADABLE,
    "too_many_pages": Flag.UNREADABLE,
    "no_page_read": Flag.UNREADABLE,
    "gave_up_attempts": Flag.UNREADABLE,
    "gave_up_transient": Flag.UNREADABLE,
}
# Notes that only explain a flag already raised (the household member the invoice may be for).
EXPLAINS = {"patient_in_household"}

# Claims read before the notes existed carry English text lines (``Claim.review_warning``).
LEGACY_FLAGS = [
    (re.compile(r"QR-bill amount [\d.]+ differs from the printed total"), Flag.AMOUNT),
    (re.compile(r"no text found on any page"), Flag.UNREADABLE),
]


@dataclass
class Flags:
    found: list[Flag] = field(default_factory=list)
    others: int = 0  # notes without a flag of their own, listed on the review page

    def add(self, flag: Flag) -> None:
        if flag not in self.found:
            self.found.append(flag)


def flags_of(claim: Claim) -> Flags:
    """The claim's flags in a fixed order (duplicate, person, amount, unreadable)."""
    flags = Flags()
    if claim.is_duplicate:
        flags.add(Flag.DUPLICATE)
    for stored in claim.review_notes or []:
        code = str(stored.get("code", "")) if isinstance(stored, dict) else ""
        if code in NOTE_FLAGS:
            flags.add(NOTE_FLAGS[code])
        elif code not in EXPLAINS:
            flags.others += 1
    for line in (line for line in claim.review_warning.splitlines() if line.strip()):
        legacy = next((flag for pattern, flag in LEGACY_FLAGS if pattern.search(line)), None)
        if legacy is None:
            flags.others += 1
        else:
            flags.add(legacy)
    flags.found.sort(key=list(Flag).index)
    return flags

"""The letter of a benefit statement, printed from its figures (``benefits.StatementData``).

The demo (``kptportal/demo_documents.py``) and the import of settlements
(``claims/settlement_import.py``) both print their statements here, so a statement's PDF
always says what its page says. Texts are in the active language: callers that write for a
customer wrap the call in ``translation.override(customer.language)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.utils import formats
from django.utils.translation import gettext as _

from core.money import format_chf
from documents import benefits
from documents.models import PaidTo
from documents.pdfs import letter_pdf

if TYPE_CHECKING:
    from accounts.models import Customer, InsuredPerson


@dataclass(frozen=True)
class StatementLetter:
    title: str
    lines: list[str]
    rows: list[tuple[str, str]]
    footer_lines: list[str]


def short_date(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def line_name(line: str) -> str:
    return _("assurance de base") if line == benefits.BASIC else _("assurance complémentaire")


def payout_sentence(data: benefits.StatementData) -> str:
    """Where the money went: the provider (tiers payant) or the insured's account."""
    if data.paid_to == PaidTo.PROVIDER:
        providers = list(dict.fromkeys(line.provider for line in data.lines))
        return _("Versé directement à %(provider)s (tiers payant).") % {
            "provider": ", ".join(providers)}
    if data.account_hint:
        return _("Versé sur votre compte %(account)s.") % {"account": data.account_hint}
    return _("Versé sur votre compte de versement.")


def _parts(line: benefits.LineData) -> list[tuple[str, str]]:
    rows = [(_("Montant facturé"), format_chf(line.billed))]
    for label, amount in ((_("Franchise"), line.deductible),
                          (_("Quote-part (10 %)"), line.copay),
                          (_("Non couvert"), line.not_covered)):
        if amount:
            rows.append((label, "-" + format_chf(amount)))
    return rows


def statement_letter(person: InsuredPerson, reference: str, data: benefits.StatementData, *,
                     extra_footer: Sequence[str] = ()) -> StatementLetter:
    """Title, lines, table and footer of the statement ``reference`` for ``person``."""
    lines = [_("Personne assurée : %(name)s") % {
        "name": f"{person.first_name} {person.last_name}"}]
    rows: list[tuple[str, str]] = []
    if len(data.lines) == 1:
        [line] = data.lines
        lines += [_("Fournisseur : %(provider)s") % {"provider": line.provider},
                  _("Traitement du %(date)s, %(line)s") % {
                      "date": short_date(line.treatment_date), "line": line_name(line.line)}]
        rows = [*_parts(line), ("**" + _("Remboursé"), format_chf(line.reimbursed))]
    else:
        for line in data.lines:
            rows.append(("**" + _("%(provider)s, traitement du %(date)s, %(line)s") % {
                "provider": line.provider, "date": short_date(line.treatment_date),
                "line": line_name(line.line)}, ""))
            rows += [*_parts(line), (_("Remboursé"), format_chf(line.reimbursed))]
        rows += [("**" + _("Total facturé"),
                  format_chf(sum((line.billed for line in data.lines), benefits.ZERO))),
                 ("**" + _("Remboursé"), format_chf(data.reimbursed))]
    footer = [payout_sentence(data)]
    if data.paid_on:
        footer.append(_("Date du versement : %(date)s") % {"date": short_date(data.paid_on)})
    footer += list(extra_footer)
    return StatementLetter(
        title=_("Décompte de prestations %(claim)s") % {"claim": reference},
        lines=lines, rows=rows, footer_lines=footer)


def statement_pdf(customer: Customer, issue_date: date, letter: StatementLetter) -> bytes:
    """The letter as sent to the household: its address, the place and date, the figures."""
    holder = customer.policy_holder
    recipient = ([f"{holder.first_name} {holder.last_name}", customer.street,
                  f"{customer.postcode} {customer.locality}"] if holder else [])
    date_line = _("%(place)s, le %(date)s") % {"place": customer.locality,
                                               "date": short_date(issue_date)}
    return letter_pdf(letter.title, letter.lines, recipient=recipient, date_line=date_line,
                      rows=letter.rows, footer_lines=letter.footer_lines)

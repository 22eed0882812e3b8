"""What the customer reads on a settled claim: the line of the benefit statement that settled
it (billed, deductible, co-payment, not covered, reimbursed) and where the money went.

The claim page loads the statement and its lines with the claim (``select_related`` and
``prefetch_related`` of ``settlement``), so this reads no more rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from claims.models import Claim
from core.money import format_chf
from documents.models import PaidTo


@dataclass(frozen=True)
class Settlement:
    document_id: int
    reference: str
    provider: str
    billed: Decimal
    deductible: Decimal
    copay: Decimal
    not_covered: Decimal
    reimbursed: Decimal
    paid_to: str
    paid_on: date | None
    account_hint: str

    @property
    def borne(self) -> Decimal:
        """What the insured person pays themselves on this invoice."""
        return self.deductible + self.copay + self.not_covered

    @property
    def to_provider(self) -> bool:
        return self.paid_to == PaidTo.PROVIDER

    @property
    def sentence(self) -> str:
        """``Remboursé CHF 165.10 le 02.11.2026 sur CH•• •••• 9012``, in the active language."""
        amount = format_chf(self.reimbursed)
        if not self.reimbursed:
            return _("Rien n'est remboursé sur cette facture: %(amount)s restent à votre "
                     "charge.") % {"amount": format_chf(self.borne)}
        when = formats.date_format(self.paid_on, "SHORT_DATE_FORMAT") if self.paid_on else ""
        if self.to_provider:
            if when:
                return _("Remboursé %(amount)s le %(date)s, versé directement à %(provider)s "
                         "(tiers payant)") % {"amount": amount, "date": when,
                                              "provider": self.provider}
            return _("Remboursement de %(amount)s, versé directement à %(provider)s (tiers "
                     "payant)") % {"amount": amount, "provider": self.provider}
        account = self.account_hint or _("votre compte de versement")
        if when:
            return _("Remboursé %(amount)s le %(date)s sur %(account)s") % {
                "amount": amount, "date": when, "account": account}
        return _("Remboursement de %(amount)s en cours, sur %(account)s") % {
            "amount": amount, "account": account}


def settlement_of(claim: Claim) -> Settlement | None:
    """The statement line that settled ``claim``, or None (not settled by a statement)."""
    statement = claim.settlement
    if statement is None:
        return None
    line = next((line for line in statement.lines.all()
                 if line.position == claim.settlement_line), None)
    if line is None:
        return None
    return Settlement(
        document_id=statement.document_id, reference=statement.document.reference,
        provider=line.provider, billed=line.billed, deductible=line.deductible,
        copay=line.copay, not_covered=line.not_covered, reimbursed=line.reimbursed,
        paid_to=statement.paid_to, paid_on=statement.paid_on,
        account_hint=statement.account_hint)

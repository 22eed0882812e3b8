"""A past change of deductible for each demo household, accepted with its amendment in the
archive (so /requests/ and the documents' "Avenant" filter have something to show).

Idempotent; fictitious. The holder raised their deductible to today's one from 1 January of
this year: asked on 15 October of last year, accepted five days later.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.utils import timezone

from accounts.demo import ADVISOR_USERNAME
from accounts.models import Customer, User
from customer_requests import contract_changes as changes
from customer_requests.models import ChangeStatus, ContractChange
from policies import contract_changes as rules

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

HOUSEHOLDS = ["KPT12345678", "KPT87654321"]


def seed(stdout: SupportsWrite[str] | None = None, today: date | None = None) -> None:
    today = today or timezone.localdate()
    effective_on = date(today.year, 1, 1)
    advisor = User.objects.get(username=ADVISOR_USERNAME)
    created = 0
    for customer in Customer.objects.filter(account__username__in=HOUSEHOLDS):
        holder = next((item for item in changes.basic_insurance(customer, today=today)
                       if item.person.is_policy_holder), None)
        if holder is None or ContractChange.objects.filter(
                insured_person=holder.person, effective_on=effective_on).exists():
            continue
        allowed = rules.allowed_deductibles(holder.person.birth_date, today.year)
        new = holder.current
        if new.deductible not in allowed or allowed.index(new.deductible) == 0:
            continue
        before = allowed[allowed.index(new.deductible) - 1]
        premium = {amount: rules.monthly_premium(
            new.model if new.model in rules.MODEL_FACTOR else rules.STANDARD, amount,
            birth_date=holder.person.birth_date, year=today.year) for amount in (before,
                                                                                new.deductible)}
        asked = timezone.make_aware(datetime.combine(date(today.year - 1, 10, 15), time(10)))
        change = ContractChange.objects.create(
            customer=customer, insured_person=holder.person, effective_on=effective_on,
            current_model=new.model, current_deductible=before, new_model=new.model,
            new_deductible=new.deductible, current_premium=premium[before],
            new_premium=premium[new.deductible], submitted_at=asked,
            submitted_by=customer.account)
        decided = date(today.year - 1, 10, 20)
        changes.accept(change, advisor=advisor, today=decided, notify=False)
        ContractChange.objects.filter(pk=change.pk, status=ChangeStatus.ACCEPTED).update(
            decided_at=timezone.make_aware(datetime.combine(decided, time(14))))
        created += 1
    if stdout:
        stdout.write(f"customer_requests: {created} accepted change(s) of deductible")

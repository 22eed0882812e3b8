from datetime import date

import pytest

from accounts import demo as accounts_demo
from customer_requests import demo
from customer_requests.models import ChangeStatus, ContractChange
from documents.models import DocumentType
from policies import demo as policies_demo

pytestmark = pytest.mark.django_db


def test_each_demo_household_has_a_past_accepted_change_with_its_amendment_once():
    accounts_demo.seed()
    policies_demo.seed()
    demo.seed(today=date(2026, 12, 7))
    demo.seed(today=date(2026, 12, 7))
    changes = list(ContractChange.objects.select_related("document", "customer"))
    assert len(changes) == 2
    for change in changes:
        assert change.status == ChangeStatus.ACCEPTED
        assert change.effective_on == date(2026, 1, 1)
        assert change.new_deductible > change.current_deductible
        assert change.document.type == DocumentType.AMENDMENT
        assert change.document.issue_date == date(2025, 10, 20)
    german = next(change for change in changes if change.customer.language == "de")
    assert german.document.title.startswith("Nachtrag")

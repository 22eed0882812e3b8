import pytest

from accounts import demo as accounts_demo
from documents import demo
from documents.models import Document, DocumentType

pytestmark = pytest.mark.django_db


def test_demo_gives_each_household_a_cost_guarantee_idempotently():
    """Policies, premium invoices and benefit statements come from kptportal/demo_documents.py
    (they print premiums and the policies' cost sharing)."""
    accounts_demo.seed()
    demo.seed()
    count = Document.objects.count()
    demo.seed()
    assert Document.objects.count() == count
    for number in ("100200300", "100200400"):
        documents = Document.objects.filter(customer__customer_number=number)
        assert set(documents.values_list("type", flat=True)) == {DocumentType.COST_GUARANTEE}
        assert documents.count() == 1
        assert documents.get().insured_person.is_policy_holder

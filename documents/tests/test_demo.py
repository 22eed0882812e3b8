import pytest

from accounts import demo as accounts_demo
from documents import demo
from documents.models import Document, DocumentType

pytestmark = pytest.mark.django_db


def test_demo_gives_each_household_ten_years_of_every_type_and_is_idempotent():
    accounts_demo.seed()
    demo.seed()
    count = Document.objects.count()
    demo.seed()
    assert Document.objects.count() == count
    for number, persons in (("100200300", 2), ("100200400", 1)):
        documents = Document.objects.filter(customer__customer_number=number)
        assert set(documents.values_list("type", flat=True)) == set(DocumentType.values)
        assert documents.values("insured_person").distinct().count() == persons
        years = {day.year for day in documents.dates("issue_date", "year")}
        assert len(years) >= 10
        assert documents.filter(type=DocumentType.PREMIUM_INVOICE).count() >= 110

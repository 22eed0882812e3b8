from documents.tests.factories import DocumentFactory
from messaging.about import resolve


def test_a_question_about_a_document_names_it_for_its_household(customer, other_customer):
    document = DocumentFactory(insured_person=customer.policy_holder)
    about = resolve(customer, "document", document.pk)
    assert about is not None and document.title in about.label
    assert resolve(other_customer, "document", document.pk) is None

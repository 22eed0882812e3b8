"""Factories shared by every app's tests: households, their logins, advisors."""

from datetime import date

import factory
from django.contrib.auth.models import Group

from accounts.models import Correspondence, Customer, InsuredPerson, SMSDevice, User
from accounts.staff import ADMINISTRATORS, ADVISORS

TEST_PASSWORD = "Correct-Horse-42"  # noqa: S105 - test-only


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"KPT{10000000 + n:08d}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    mobile_phone = factory.Sequence(lambda n: f"+417955{n % 100000:05d}")
    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or TEST_PASSWORD)
        if create:
            self.save(update_fields=["password"])


def join_groups(user: User, names) -> None:
    """Put ``user`` in exactly these staff groups (created by the migrations, kptportal.roles)."""
    names = list(names)
    groups = list(Group.objects.filter(name__in=names))
    if len(groups) != len(names):
        raise LookupError(f"staff groups missing from the database: {names}")
    user.groups.set(groups)


class AdvisorFactory(UserFactory):
    """An advisor with the advisors' group's permissions, as the seeded demo advisor has.

    ``AdvisorFactory(roles=[ADVISORS, ADMINISTRATORS])`` for other groups.
    """

    username = factory.Sequence(lambda n: f"advisor{n}")
    is_staff = True

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create:
            join_groups(self, [ADVISORS] if extracted is None else extracted)


class AdministratorFactory(AdvisorFactory):
    """Staff of the administrators' group: logins, second factors, lockouts, tasks."""

    username = factory.Sequence(lambda n: f"admin{n}")
    roles = factory.PostGeneration(
        lambda user, create, extracted, **kwargs:
        create and join_groups(user, [ADMINISTRATORS] if extracted is None else extracted))


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    customer_number = factory.Sequence(lambda n: f"{500000000 + n}")
    account = factory.SubFactory(UserFactory)
    advisor = factory.SubFactory(AdvisorFactory)
    street = "Teststrasse 1"
    postcode = "8000"
    locality = "Zürich"
    email = factory.Sequence(lambda n: f"customer{n}@example.ch")
    correspondence = Correspondence.POST

    @factory.post_generation
    def holder(self, create, extracted, **kwargs):
        if create and extracted is not False:
            InsuredPersonFactory(customer=self, is_policy_holder=True,
                                 first_name=self.account.first_name if self.account else "Test")


class InsuredPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsuredPerson

    customer = factory.SubFactory(CustomerFactory, holder=False)
    insured_number = factory.Sequence(lambda n: f"{700000000 + n}")
    first_name = "Mia"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    birth_date = date(1985, 6, 1)
    is_policy_holder = False


def sms_device_for(user: User) -> SMSDevice:
    device, _ = SMSDevice.objects.get_or_create(
        user=user, name="default",
        defaults={"number": user.mobile_phone or "+41790000001", "confirmed": True},
    )
    return device


def passkey_for(user: User, name: str = "Téléphone"):
    """A stored passkey (no ceremony: its key signs nothing) for pages and permissions."""
    import os

    from django_otp_webauthn.models import WebAuthnCredential

    return WebAuthnCredential.objects.create(
        user=user, name=name, credential_id=os.urandom(32), public_key=b"\xa0",
        aaguid="00000000-0000-0000-0000-000000000000", discoverable=True)

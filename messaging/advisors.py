"""Which threads an advisor works on: their customers', their team colleagues', or assigned."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from accounts.models import User
from messaging.models import Thread


def advisor_of(request: HttpRequest) -> User:
    """The staff login behind an admin request (the admin site lets no one else in)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def colleagues_of(advisor: User) -> QuerySet[User]:
    """The advisor and everyone sharing a team with them (staff only)."""
    return (User.objects.filter(is_staff=True, is_active=True)
            .filter(Q(pk=advisor.pk) | Q(advisor_teams__members=advisor))
            .distinct())


def visible_threads(advisor: User) -> QuerySet[Thread]:
    if advisor.is_superuser:
        return Thread.objects.all()
    team = User.objects.filter(Q(pk=advisor.pk) | Q(advisor_teams__members=advisor)).values("pk")
    return Thread.objects.filter(Q(customer__advisor__in=team) | Q(assigned_to__in=team))

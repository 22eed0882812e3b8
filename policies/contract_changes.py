"""Changing the deductible or the insurance model of basic insurance (KVG/LAMal) for next year.

The rules, per insured person:

- A change always takes effect on **1 January** of the year after the request.
- The deductibles offered depend on the person's age in that year: adults CHF 300, 500,
  1'000, 1'500, 2'000, 2'500; children (up to the end of the year in which they turn 18,
  ``cost_sharing.is_child``) CHF 0 to 600 in steps of 100.
- A **lower** deductible or another **model** (standard, family doctor, HMO,
  telemedicine; also the way back from an alternative model to standard) only with a
  request received by **30 November** (Europe/Zurich), for the following 1 January.
- A **higher** deductible (keeping the model) until **31 December**, for the following
  1 January.
- What the person has on 1 January without a change is the starting point: the current
  model and deductible, except for a child who becomes an adult that year, whose child
  deductible is not offered to adults: they start from the adults' lowest (CHF 300).
  Asking for that starting point changes nothing and is refused.

The premium of next year comes from a **tariff** written down here (fictitious demo
figures, one canton, no accident cover): a base monthly premium per age band at the lowest
deductible; a higher deductible lowers the yearly premium by 70 % of the extra amount the
person bears (the legal maximum), spread over twelve months; an alternative model then costs
a fixed share less. Monthly premiums are rounded to CHF 0.05.

Everything here works on plain values; the request itself lives with its app
(``customer_requests``), which stores, decides and archives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import PortalError
from core.money import round_to_5_centimes
from policies.cost_sharing import ADULT_DEDUCTIBLES, CHILD_DEDUCTIBLES, is_child

ZURICH = ZoneInfo("Europe/Zurich")

# The insurance models of basic insurance: one product each (product code → label).
STANDARD = "KVG-STD"
FAMILY_DOCTOR = "KVG-HAM"
HMO = "KVG-HMO"
TELEMEDICINE = "KVG-TEL"
MODELS = {
    STANDARD: _("Standard (libre choix du médecin)"),
    FAMILY_DOCTOR: _("Médecin de famille"),
    HMO: _("HMO (centre de santé)"),
    TELEMEDICINE: _("Télémédecine"),
}
MODEL_HINTS = {
    STANDARD: _("Vous consultez le médecin de votre choix."),
    FAMILY_DOCTOR: _("Vous consultez d'abord votre médecin de famille."),
    HMO: _("Vous consultez d'abord un cabinet de groupe HMO."),
    TELEMEDICINE: _("Vous appelez d'abord notre centre de télémédecine."),
}

# --- The tariff (fictitious demo figures for the coming year) -------------------------------

CHILD, YOUNG_ADULT, ADULT = "child", "young_adult", "adult"
YOUNG_ADULT_UNTIL_AGE = 25  # inclusive, like the age bands of the premium regions
BASE_MONTHLY = {  # at the lowest deductible of the band, standard model
    CHILD: Decimal("118.40"),
    YOUNG_ADULT: Decimal("392.60"),
    ADULT: Decimal("486.50"),
}
DEDUCTIBLE_REDUCTION_RATE = Decimal("0.70")  # of the extra amount borne, per year
MODEL_FACTOR = {
    STANDARD: Decimal("1.00"),
    FAMILY_DOCTOR: Decimal("0.88"),
    HMO: Decimal("0.84"),
    TELEMEDICINE: Decimal("0.86"),
}
MONTHS = 12


def age_band(birth_date: date, year: int) -> str:
    if is_child(birth_date, year):
        return CHILD
    return YOUNG_ADULT if year - birth_date.year <= YOUNG_ADULT_UNTIL_AGE else ADULT


def allowed_deductibles(birth_date: date, year: int) -> tuple[int, ...]:
    """The deductibles a person may have in ``year`` (by their age in that year)."""
    return CHILD_DEDUCTIBLES if is_child(birth_date, year) else ADULT_DEDUCTIBLES


def monthly_premium(model: str, deductible: int, *, birth_date: date, year: int) -> Decimal:
    """The tariff's monthly premium in CHF, rounded to 0.05. Raises ``ModelNotOffered`` or
    ``DeductibleNotOffered`` for a combination the tariff does not have."""
    if model not in MODEL_FACTOR:
        raise ModelNotOffered()
    allowed = allowed_deductibles(birth_date, year)
    if deductible not in allowed:
        raise DeductibleNotOffered(allowed=_amounts(allowed))
    band = age_band(birth_date, year)
    reduction = DEDUCTIBLE_REDUCTION_RATE * (deductible - allowed[0]) / MONTHS
    return round_to_5_centimes((BASE_MONTHLY[band] - reduction) * MODEL_FACTOR[model])


# --- Which change is allowed when ------------------------------------------------------------

class ChangeRefused(PortalError):
    """The change cannot be requested; the message says why."""


class NothingChanges(ChangeRefused):
    message_template = _("C'est déjà ce que vous aurez au 1er janvier %(year)s: choisissez "
                         "une autre franchise ou un autre modèle.")


class DeductibleNotOffered(ChangeRefused):
    message_template = _("Cette franchise n'est pas proposée à cet âge. Franchises possibles: "
                         "%(allowed)s.")


class ModelNotOffered(ChangeRefused):
    message_template = _("Ce modèle d'assurance n'est pas proposé.")


class TooLateForLower(ChangeRefused):
    message_template = _("Une franchise plus basse ou un autre modèle pour le 1er janvier "
                         "%(year)s devait nous parvenir au plus tard le 30 novembre "
                         "%(deadline_year)s. Vous pourrez le demander dès le 1er janvier "
                         "%(year)s, pour le 1er janvier %(next_year)s.")


class NoBasicInsurance(ChangeRefused):
    message_template = _("Cette personne n'a pas d'assurance de base chez nous: rien à "
                         "changer ici.")


class AlreadyRequested(ChangeRefused):
    message_template = _("Une demande pour %(name)s et le 1er janvier %(year)s est déjà en "
                         "cours: attendez notre réponse avant d'en envoyer une autre.")


@dataclass(frozen=True)
class Choice:
    """A model (the basic product's code) and a deductible in CHF."""

    model: str
    deductible: int


@dataclass(frozen=True)
class Change:
    """An allowed change, with what it costs. Premiums are monthly, in CHF."""

    effective_on: date
    unchanged: Choice  # what the person has on 1 January without a change
    new: Choice
    unchanged_premium: Decimal
    new_premium: Decimal

    @property
    def monthly_difference(self) -> Decimal:
        return self.new_premium - self.unchanged_premium

    @property
    def yearly_difference(self) -> Decimal:
        return self.monthly_difference * MONTHS

    @property
    def deductible_changes(self) -> bool:
        return self.new.deductible != self.unchanged.deductible

    @property
    def model_changes(self) -> bool:
        return self.new.model != self.unchanged.model


def _amounts(deductibles: tuple[int, ...]) -> str:
    return ", ".join(f"{amount:,}".replace(",", "'") for amount in deductibles)


def local_day(now: datetime | None = None) -> date:
    """The calendar day in Switzerland at ``now`` (default: the present)."""
    return timezone.localtime(now or timezone.now(), ZURICH).date()


def effective_date(now: datetime | None = None) -> date:
    """A change asked for at ``now`` takes effect on the following 1 January."""
    return date(local_day(now).year + 1, 1, 1)


def lower_deadline(effective_on: date) -> date:
    """The last day a lower deductible or a model change is received for ``effective_on``."""
    return date(effective_on.year - 1, 11, 30)


def starting_point(current: Choice, *, birth_date: date, year: int) -> Choice:
    """What the person has on 1 January of ``year`` without a change."""
    allowed = allowed_deductibles(birth_date, year)
    if current.deductible in allowed:
        return current
    return Choice(current.model, allowed[0])


def check(current: Choice, new: Choice, *, birth_date: date,
          now: datetime | None = None) -> Change:
    """The change from ``current`` (this year's model and deductible) to ``new``, asked at
    ``now``, with next year's premiums; raises a ``ChangeRefused`` saying why not."""
    effective_on = effective_date(now)
    year = effective_on.year
    if new.model not in MODELS:
        raise ModelNotOffered()
    allowed = allowed_deductibles(birth_date, year)
    if new.deductible not in allowed:
        raise DeductibleNotOffered(allowed=_amounts(allowed))
    unchanged = starting_point(current, birth_date=birth_date, year=year)
    if new == unchanged:
        raise NothingChanges(year=year)
    lower = new.deductible < unchanged.deductible
    if (lower or new.model != unchanged.model) and local_day(now) > lower_deadline(effective_on):
        raise TooLateForLower(year=year, deadline_year=year - 1, next_year=year + 1)
    return Change(
        effective_on=effective_on, unchanged=unchanged, new=new,
        unchanged_premium=monthly_premium(unchanged.model if unchanged.model in MODEL_FACTOR
                                          else STANDARD, unchanged.deductible,
                                          birth_date=birth_date, year=year),
        new_premium=monthly_premium(new.model, new.deductible, birth_date=birth_date,
                                    year=year))


def model_label(model: str) -> str:
    return str(MODELS.get(model, model))


def open_choices(current: Choice, *, birth_date: date,
                 now: datetime | None = None) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """The deductibles and models that may be asked for at ``now`` (the starting point
    included, so a form can show it selected)."""
    effective_on = effective_date(now)
    allowed = allowed_deductibles(birth_date, effective_on.year)
    unchanged = starting_point(current, birth_date=birth_date, year=effective_on.year)
    if local_day(now) > lower_deadline(effective_on):
        return (tuple(amount for amount in allowed if amount >= unchanged.deductible),
                (unchanged.model,))
    return allowed, tuple(MODELS)


def deductible_text(amount: int) -> str:
    """``CHF 2'500``: a deductible as customers read it (whole francs)."""
    return "CHF " + _amounts((amount,))

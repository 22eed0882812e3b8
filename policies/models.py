"""Products, the coverages of each insured person and their monthly gross premiums."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Self

from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import InsuredPerson

if TYPE_CHECKING:
    from django.utils.functional import Promise


class Line(models.TextChoices):
    BASIC = "KVG", _("Assurance de base (LAMal)")
    SUPPLEMENTARY = "VVG", _("Assurance complémentaire (LCA)")


# The law's abbreviation as customers know it in their language (LAMal in French, KVG in
# German): the line codes themselves are German.
LINE_ABBREVIATIONS: dict[str, str | Promise] = {
    Line.BASIC: pgettext_lazy("insurance line, abbreviation", "LAMal"),
    Line.SUPPLEMENTARY: pgettext_lazy("insurance line, abbreviation", "LCA"),
}


class Product(models.Model):
    """An insurance product; its name exists in the four correspondence languages."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    line = models.CharField(_("branche"), max_length=3, choices=Line.choices)
    name_fr = models.CharField(_("nom (français)"), max_length=120)
    name_de = models.CharField(_("nom (allemand)"), max_length=120)
    name_it = models.CharField(_("nom (italien)"), max_length=120)
    name_en = models.CharField(_("nom (anglais)"), max_length=120)
    online_discount_eligible = models.BooleanField(
        _("rabais online applicable"), default=True,
        help_text=_("Jamais appliqué à l'assurance de base, même si coché."),
    )

    class Meta:
        verbose_name = _("produit")
        verbose_name_plural = _("produits")
        ordering = ["line", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_fr}"

    def localized_name(self, language: str | None = None) -> str:
        """The name in ``language`` (default: the active one), French as the fallback."""
        code = (language or get_language() or "fr")[:2]
        return getattr(self, f"name_{code}", "") or self.name_fr

    @property
    def name(self) -> str:
        return self.localized_name()

    @property
    def line_abbreviation(self) -> str:
        return str(LINE_ABBREVIATIONS.get(self.line, self.line))

    @property
    def is_basic(self) -> bool:
        return self.line == Line.BASIC


class CoverageQuerySet(models.QuerySet["Coverage"]):
    def active_in(self, first_day: date, last_day: date) -> Self:
        """Coverages running at least one day between the two dates (inclusive)."""
        return self.filter(start__lte=last_day).filter(
            models.Q(end__isnull=True) | models.Q(end__gte=first_day)
        )


class Coverage(models.Model):
    """One product insured for one person, with its monthly gross premium in CHF."""

    insured_person = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="coverages",
        verbose_name=_("personne assurée"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="coverages", verbose_name=_("produit")
    )
    franchise = models.PositiveIntegerField(
        _("franchise (CHF)"), null=True, blank=True,
        help_text=_("Pour l'assurance de base: 300 à 2500 CHF par an."),
    )
    start = models.DateField(_("début"))
    end = models.DateField(_("fin"), null=True, blank=True)
    monthly_premium = models.DecimalField(
        _("prime mensuelle brute (CHF)"), max_digits=8, decimal_places=2
    )

    objects = CoverageQuerySet.as_manager()

    class Meta:
        verbose_name = _("couverture")
        verbose_name_plural = _("couvertures")
        ordering = ["insured_person_id", "product__line", "product__code", "start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(monthly_premium__gte=0),
                                   name="coverage_premium_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.insured_person} · {self.product.code}"


class Sex(models.TextChoices):
    FEMALE = "F", _("féminin")
    MALE = "M", _("masculin")


class InsuranceCard(models.Model):
    """The insurance card the core system issued to one insured person (data, not a picture).

    ``card_number`` is the 20-digit number printed on the card (80 + 756 + the insurer's
    five-digit number + a serial with a Luhn check digit); ``ahv_number`` the 13 digits of
    the AHV/AVS number without dots.
    """

    insured_person = models.OneToOneField(
        InsuredPerson, on_delete=models.PROTECT, related_name="insurance_card",
        verbose_name=_("personne assurée"),
    )
    card_number = models.CharField(_("numéro de carte"), max_length=20, unique=True)
    ahv_number = models.CharField(_("numéro AVS"), max_length=13)
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices)
    valid_from = models.DateField(_("valable dès le"))
    valid_until = models.DateField(_("valable jusqu'au"))

    class Meta:
        verbose_name = _("carte d'assuré")
        verbose_name_plural = _("cartes d'assuré")

    def __str__(self) -> str:
        return f"{self.insured_person} · {self.card_number}"

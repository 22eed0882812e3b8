"""Advisor review in the admin: the review queue, page images beside the extracted fields,
accept / reject. Every change goes through ``claims.lifecycle`` (history + audit log)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin_display import customer_link, customer_name
from accounts.models import User
from audit import log as audit
from claims import events, lifecycle
from claims.intake import FIELD_NAMES
from claims.models import (
    Claim,
    ClaimPage,
    ClaimStatus,
    ClaimToReview,
    ExtractedField,
    FieldSource,
    StatusChange,
)
from claims.notes import render_all
from claims.previews import LARGE, THUMBNAIL, preview_jpeg, sheet_index
from claims.review import apply_field_edit
from claims.review_flags import LABELS as REVIEW_FLAG_LABELS
from claims.review_flags import Flag, flags_of
from claims.timeline import accepted_amount
from core.admin_mixins import my_customers_filter
from core.admin_paginator import EstimatedCountPaginator
from core.dates import parse_written_date
from core.money import format_chf
from core.responses import private_image

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet
    from django.http import HttpRequest, HttpResponse
    from django.utils.safestring import SafeString

# A claim waiting longer than this in "to review" is late (the advisors' service level).
SLA_HOURS = 48

FIELD_LABELS = {
    "amount": _("Montant"),
    "currency": _("Monnaie"),
    "invoice_date": _("Date de la facture"),
    "provider_gln": _("GLN du prestataire"),
    "invoice_number": _("Numéro de facture"),
    "iban": _("IBAN"),
    "reference": _("Référence"),
    "provider_name": _("Prestataire"),
    "patient_name": _("Patient·e"),
    "patient_birth_date": _("Date de naissance du patient"),
}


def _advisor(request: HttpRequest) -> User:
    """The advisor acting: the admin lets in only staff logins; this states it for the types."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


# Stored as ISO dates (what the intake writes and the other code reads); the advisor reads
# and types Swiss dates.
DATE_FIELDS = ("invoice_date", "patient_birth_date")


class ExtractedFieldForm(forms.ModelForm):
    name = forms.ChoiceField(label=_("champ"), choices=[(n, FIELD_LABELS.get(n, n))
                                                         for n in FIELD_NAMES])

    class Meta:
        model = ExtractedField
        fields = ["name", "value"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.name in DATE_FIELDS:
            parsed = parse_written_date(self.instance.value or "")
            if parsed is not None:
                self.initial["value"] = date_format(parsed, "d.m.Y")
            self.fields["value"].widget.attrs["placeholder"] = _("jj.mm.aaaa")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what ``ModelForm.clean`` returns
        name, value = cleaned.get("name"), (cleaned.get("value") or "").strip()
        # dd.mm.yyyy shown, dd.mm.yyyy or ISO typed, ISO stored (see DATE_FIELDS).
        if not value or name is None:
            return cleaned
        if name == "amount":
            try:
                amount = Decimal(value.replace("'", "").replace(" ", ""))
                cleaned["value"] = f"{amount.quantize(Decimal('0.01'))}"
            except InvalidOperation:
                self.add_error("value", _("Montant invalide, p. ex. 183.45."))
        elif name in ("invoice_date", "patient_birth_date"):
            parsed = parse_written_date(value)
            if parsed is None:
                self.add_error("value", _("Date invalide, p. ex. 14.03.2026."))
            else:
                cleaned["value"] = parsed.isoformat()
        elif name == "provider_gln" and not (value.isdigit() and len(value) == 13):
            self.add_error("value", _("Un GLN a 13 chiffres."))
        return cleaned


# A table on a desktop; on a phone each row stacks its fields, each under its name.
STACKING_TABLE = "admin/claims/tabular_stacking.html"


class ExtractedFieldInline(admin.TabularInline):
    model = ExtractedField
    form = ExtractedFieldForm
    template = STACKING_TABLE
    fields = ["name", "value", "confidence_badge", "source", "edited_by"]
    readonly_fields = ["confidence_badge", "source", "edited_by"]
    extra = 0
    can_delete = False

    @admin.display(description=_("confiance"))
    def confidence_badge(self, obj: ExtractedField | None) -> str:
        if obj is None or obj.pk is None:
            return "–"
        if obj.source == FieldSource.ADVISOR:
            return format_html('<span class="confidence confidence--checked">{}</span>',
                               _("vérifié"))
        level = "low" if obj.is_low_confidence else "high"
        label = _("à vérifier") if obj.is_low_confidence else ""
        return format_html('<span class="confidence confidence--{}">{} %</span> {}', level,
                           round(obj.confidence * 100), label)


STATUS_CHANGE_COLUMNS = ("status", "at", "actor", "accepted", "note")


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    template = STACKING_TABLE
    fields = STATUS_CHANGE_COLUMNS
    readonly_fields = STATUS_CHANGE_COLUMNS
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.display(description=_("montant accepté"))
    def accepted(self, obj: StatusChange) -> str:
        return format_chf(obj.amount) if obj.amount is not None else "–"


# Why a claim is refused: the advisor picks one and may add a sentence; the customer reads both.
REJECTION_REASONS = {
    "not_covered": _("Cette prestation n'est pas couverte par votre assurance."),
    "duplicate": _("Nous avons déjà reçu cette facture."),
    "unreadable": _("Le justificatif n'est pas lisible: envoyez-en une photo plus nette."),
    "not_insured": _("La personne traitée n'est pas assurée chez KPT à cette date."),
    "missing": _("Il manque un justificatif (ordonnance, facture détaillée)."),
    "other": _("Autre motif (précisez ci-dessous)."),
}


class ClaimAdminForm(forms.ModelForm):
    accepted_amount = forms.DecimalField(
        label=_("Montant accepté (CHF)"), required=False, min_value=Decimal("0.00"),
        max_digits=10, decimal_places=2, localize=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 10}),
        help_text=_("Proposé: le montant de la facture. Le montant accepté est gardé avec la "
                    "décision; le montant facturé reste celui de la facture."),
    )
    reason_code = forms.ChoiceField(
        label=_("Motif du refus"), required=False,
        choices=[("", _("— choisir si vous refusez —")), *REJECTION_REASONS.items()],
    )
    decision_note = forms.CharField(
        label=_("Précision pour le client"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 50}),
        help_text=_("Facultatif, sauf pour « Autre motif ». Le client la lit dans son portail."),
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.amount is not None:
            self.fields["accepted_amount"].initial = self.instance.amount

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what ``ModelForm.clean`` returns
        if "_reject" in self.data:
            code = cleaned.get("reason_code")
            if not code:
                self.add_error("reason_code", _("Choisissez le motif du refus: le client le "
                                                "lira."))
            elif code == "other" and not (cleaned.get("decision_note") or "").strip():
                self.add_error("decision_note", _("Précisez le motif pour le client."))
        if "_accept" in self.data and cleaned.get("accepted_amount") is None \
                and "accepted_amount" not in self.errors:
            self.add_error("accepted_amount", _("Indiquez le montant accepté."))
        return cleaned

    def rejection_text(self, language: str) -> str:
        """The reason as the customer reads it, in their language."""
        from django.utils import translation

        code = self.cleaned_data.get("reason_code") or ""
        note = (self.cleaned_data.get("decision_note") or "").strip()
        with translation.override(language):
            label = "" if code in ("", "other") else str(REJECTION_REASONS[code])
        return " ".join(filter(None, [label, note]))


# What the automatic reading reports (in English, for the logs), in the advisor's words.
WARNING_PATTERNS = [
    (re.compile(r"^QR-bill amount (?P<qr>[\d.]+) differs from the printed total "
                r"(?P<printed>[\d.]+)$"),
     _("le montant de la QR-facture (CHF %(qr)s) diffère du total imprimé (CHF %(printed)s)")),
    (re.compile(r"^(?P<field>\w+) not found$"), _("%(field)s introuvable sur le justificatif")),
    (re.compile(r"^no text found on any page$"), _("aucun texte lisible: page illisible")),
    (re.compile(r"^page (?P<n>\d+): rotated (?P<degrees>\d+)° to read it$"),
     _("page %(n)s tournée de %(degrees)s° pour la lire")),
]


def advisor_warning(line: str) -> str:
    """One warning line ("photo.jpg: provider_gln not found") in the advisor's language."""
    source, sep, text = line.partition(": ")
    if not sep:
        source, text = "", line
    for pattern, template in WARNING_PATTERNS:
        match = pattern.match(text.strip())
        if match:
            values = match.groupdict()
            if "field" in values:
                values["field"] = str(FIELD_LABELS.get(values["field"], values["field"]))
            text = str(template) % values
            break
    return f"{source}: {text}" if source else text


ScopeFilter = my_customers_filter("customer__advisor")


def next_in_queue(claim: Claim) -> Claim | None:
    """The claim waiting longest for review, other than ``claim``."""
    return (Claim.objects.filter(status=ClaimStatus.TO_REVIEW).exclude(pk=claim.pk)
            .order_by("status_changed_at", "id").first())


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    form = ClaimAdminForm
    change_form_template = "admin/claims/claim_review.html"
    list_display = ["number", "customer_label", "insured_person", "kind", "status",
                    "amount_chf", "provider_name", "flags", "received"]
    list_filter = ["status", ScopeFilter, "kind", "is_duplicate", "created_at"]
    search_fields = ["customer__customer_number", "customer__account__username",
                     "insured_person__last_name", "provider_name"]
    list_select_related = ["customer__account", "insured_person"]
    # No date_hierarchy: its year list is a DISTINCT over every claim; the date filter needs
    # no query. Unfiltered, the count is the planner's estimate (docs/performance.md).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    inlines = [ExtractedFieldInline, StatusChangeInline]
    readonly_fields = ["customer_label", "insured_person", "kind", "note", "status",
                       "received", "amount_chf", "provider_name", "duplicate_warning",
                       "warnings", "rejection_reason", "reviewed_by", "accepted_amount_chf",
                       "checksum", "timings", "attempts", "settlement_link", "intake_steps"]
    # No "accept the selected claims": an advisor accepts one claim at a time, with the amount
    # looked at on its review page.
    actions = ["settle_selected"]

    class Media:
        css = {"all": ["css/claims-admin.css"]}

    # --- permissions: claims come from customers and are never deleted -------------
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        return super().get_queryset(request).prefetch_related("customer__insured_persons")

    def get_fieldsets(self, request: HttpRequest, obj: Claim | None = None) -> Any:
        """The decision's inputs while the claim waits for one; afterwards, what was decided
        (one "reason" label, never two)."""
        deciding = obj is not None and obj.status == ClaimStatus.TO_REVIEW
        decided = (["accepted_amount_chf"]
                   if obj is not None and accepted_amount(obj) is not None else [])
        if obj is not None and obj.rejection_reason:
            decided.append("rejection_reason")
        if obj is not None and obj.settlement_id:
            decided.append("settlement_link")
        decision = (["accepted_amount", "reason_code", "decision_note"] if deciding
                    else ["reviewed_by", *decided])
        return [
            (None, {"fields": ["status", "customer_label", "insured_person", "kind", "note",
                               "received", "warnings"]}),
            (_("Lecture"), {"fields": ["amount_chf", "provider_name"]}),
            (_("Décision"), {"fields": decision}),
            (_("Technique"), {"classes": ["collapse"],
                              "fields": ["checksum", "intake_steps", "timings", "attempts"]}),
        ]

    def get_form(self, request: HttpRequest, obj: Claim | None = None, change: bool = False,
                 **kwargs: Any) -> Any:
        # The decision's fields are the form's own, not the model's: listed here, not derived.
        kwargs["fields"] = (["accepted_amount", "reason_code", "decision_note"]
                            if obj is not None and obj.status == ClaimStatus.TO_REVIEW else [])
        return super().get_form(request, obj, change, **kwargs)

    # --- columns ----------------------------------------------------------------
    @admin.display(description=_("demande"), ordering="pk")
    def number(self, obj: Claim) -> str:
        return f"#{obj.pk}"

    @admin.display(description=_("client"), ordering="customer__customer_number")
    def customer_label(self, obj: Claim) -> SafeString:
        return customer_link(obj.customer)

    @admin.display(description=_("reçue le"), ordering="created_at")
    def received(self, obj: Claim) -> str:
        return date_format(timezone.localtime(obj.created_at), "d.m.Y H:i")

    @staticmethod
    def reading_warnings(obj: Claim) -> list[str]:
        """What the reading noted, in the advisor's language: the intake's notes, then the
        text lines of claims read before notes existed."""
        lines = render_all(obj.review_notes)
        lines += [advisor_warning(line) for line in obj.review_warning.splitlines()
                  if line.strip()]
        return lines

    @admin.display(description=_("étapes de la lecture"))
    def intake_steps(self, obj: Claim) -> SafeString | str:
        """The intake's last run, step by step (claims.intake.chain): file, step, outcome, CPU
        time and the notes it added, in the advisor's language."""
        log = obj.intake_log or {}
        rows = [(entry.get("file", ""), step) for entry in log.get("files", [])
                for step in entry.get("steps", [])]
        rows += [("", step) for step in log.get("steps", [])]
        if not rows:
            return "–"
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td>"
                                    '<td class="num">{}</td><td>{}</td></tr>', (
            (file, step.get("step", ""),
             _("échec") if step.get("status") == "failed" else _("ok"),
             f"{float(step.get('cpu_ms', 0)):.0f} ms",
             "; ".join(render_all(step.get("notes")) or [step.get("error", "")]))
            for file, step in rows))
        return format_html(
            '<table class="intake-steps"><thead><tr><th scope="col">{}</th><th scope="col">{}'
            '</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr>'
            "</thead><tbody>{}</tbody></table>", _("fichier"), _("étape"), _("résultat"),
            _("temps CPU"), _("remarques"), body)

    @admin.display(description=_("signaux"))
    def flags(self, obj: Claim) -> SafeString | str:
        """Each problem in words (duplicate, another person, amount, unreadable page), then
        how many other notes the review page lists: readable without hovering."""
        found = flags_of(obj)
        items = [self._flag_item(obj, flag) for flag in found.found]
        if found.others:
            items.append(format_html('<li class="claim-flag claim-flag--other">{}</li>', ngettext(
                "%(n)d autre remarque", "%(n)d autres remarques", found.others)
                % {"n": found.others}))
        if not items:
            return ""
        return format_html('<ul class="claim-flags">{}</ul>',
                           format_html_join("", "{}", ((item,) for item in items)))

    @staticmethod
    def _flag_item(obj: Claim, flag: Flag) -> SafeString:
        if flag == Flag.DUPLICATE and obj.duplicate_of_id:
            url = reverse("admin:claims_claim_change", args=[obj.duplicate_of_id])
            return format_html('<li class="claim-flag claim-flag--{}">⚠ <a href="{}">{} #{}</a>'
                               "</li>", flag, url, _("doublon probable de"),
                               obj.duplicate_of_id)
        return format_html('<li class="claim-flag claim-flag--{}">⚠ {}</li>', flag,
                           REVIEW_FLAG_LABELS[flag])

    @admin.display(description=_("avertissements"))
    def warnings(self, obj: Claim) -> SafeString:
        lines = self.reading_warnings(obj)
        duplicate = self.duplicate_warning(obj)
        if not lines and not duplicate:
            return format_html("{}", _("Aucun"))
        return format_html('<ul class="claim-warnings">{}{}</ul>',
                           format_html("<li>{}</li>", duplicate) if duplicate else "",
                           format_html_join("", '<li class="claim-note">⚠ {}</li>',
                                            ((line,) for line in lines)))

    @admin.display(description=_("montant"), ordering="amount")
    def amount_chf(self, obj: Claim) -> str:
        return format_chf(obj.amount) if obj.amount is not None else "–"

    @admin.display(description=_("décompte de prestations"))
    def settlement_link(self, obj: Claim) -> str:
        statement = obj.settlement
        if statement is None:
            return "–"
        url = reverse("admin:documents_document_change", args=[statement.document_id])
        return format_html('<a href="{}">{}</a>', url,
                           statement.document.reference or statement.document_id)
    @admin.display(description=_("montant accepté"))
    def accepted_amount_chf(self, obj: Claim) -> str:
        amount = accepted_amount(obj)
        return format_chf(amount) if amount is not None else "–"

    @admin.display(description=_("doublon"))
    def duplicate_warning(self, obj: Claim) -> str:
        if not obj.is_duplicate:
            return ""
        if obj.duplicate_of_id:
            url = reverse("admin:claims_claim_change", args=[obj.duplicate_of_id])
            return format_html('<a class="claim-duplicate" href="{}">⚠ {} #{}</a>', url,
                               _("doublon probable de"), obj.duplicate_of_id)
        return format_html('<span class="claim-duplicate">⚠ {}</span>', _("doublon probable"))

    # --- review: images beside the fields, accept / reject ---------------------------
    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path("<int:claim_id>/pages/<int:page_id>/",
                 self.admin_site.admin_view(self.page_image),
                 name=f"{info[0]}_{info[1]}_page"),
        ] + super().get_urls()

    def page_image(self, request: HttpRequest, claim_id: int, page_id: int) -> HttpResponse:
        """Staff-only page image (audited): the advisor's view of what the customer sent."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        page = get_object_or_404(ClaimPage.objects.select_related("claim__customer"),
                                 pk=page_id, claim_id=claim_id)
        audit.record(events.PAGE_VIEWED, request=request, actor=_advisor(request),
                     customer=page.claim.customer, claim=claim_id, claim_page=page_id)
        size = LARGE if request.GET.get("size") == "large" else THUMBNAIL * 2
        return private_image(preview_jpeg(page, size=size,
                                           pdf_page=sheet_index(request, page)))

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = extra_context or {}
        claim = self.get_object(request, object_id)
        if claim is not None:
            info = self.opts.app_label, self.opts.model_name
            extra_context["review_pages"] = [
                {"page": page,
                 "url": reverse(f"admin:{info[0]}_{info[1]}_page", args=[claim.pk, page.pk])}
                for page in claim.pages.order_by("order", "id")
            ]
            extra_context["can_decide"] = (claim.status == ClaimStatus.TO_REVIEW
                                           and self.has_change_permission(request, claim))
            extra_context["title"] = _("Demande #%(n)s · %(customer)s") % {
                "n": claim.pk, "customer": customer_name(claim.customer)}
            extra_context["subtitle"] = None
            following = next_in_queue(claim)
            extra_context["next_url"] = (
                reverse("admin:claims_claimtoreview_change", args=[following.pk])
                if following else None)
        response = super().change_view(request, object_id, form_url, extra_context)
        if claim is not None and request.method == "GET" and response.status_code == 200:
            # The advisor read the claim's fields and the customer's remark: like the
            # overview, written down with the advisor as actor.
            audit.record(events.REVIEW_OPENED, request=request, actor=_advisor(request),
                         customer=claim.customer, claim=claim.pk)
        return response

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return super().changelist_view(request, {"title": self.list_title,
                                                 "subtitle": None, **(extra_context or {})})

    list_title = _("Demandes de remboursement")

    def save_model(self, request: HttpRequest, obj: Claim, form: Any, change: bool) -> None:
        """Nothing of the claim itself is edited here: fields and decisions go through the
        services below (history + audit)."""

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        return None  # the claim's history and the audit log are the record

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: Any) -> None:
        if formset.model is not ExtractedField:
            return super().save_formset(request, form, formset, change)
        claim = form.instance
        for inline_form in formset.forms:
            if not inline_form.has_changed() or inline_form in formset.deleted_forms:
                continue
            apply_field_edit(claim, name=inline_form.cleaned_data["name"],
                             value=inline_form.cleaned_data.get("value") or "",
                             advisor=_advisor(request), request=request,
                             field=inline_form.instance if inline_form.instance.pk else None)
        # What the admin's change message reads after a formset save.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        return None

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: Any) -> None:
        super().save_related(request, form, formsets, change)
        claim = form.instance
        claim.refresh_from_db()
        if claim.status != ClaimStatus.TO_REVIEW:
            return
        advisor = _advisor(request)
        try:
            if "_accept" in request.POST:
                # The decision keeps its own amount; the invoice's stays as read (or as the
                # advisor corrected it in the fields above).
                amount = form.cleaned_data["accepted_amount"]
                lifecycle.accept(claim, advisor=advisor, amount=amount, request=request)
                self.message_user(request, _("Demande #%(n)s acceptée (%(amount)s).") % {
                    "n": claim.pk, "amount": format_chf(amount)}, messages.SUCCESS)
            elif "_reject" in request.POST:
                lifecycle.reject(claim, advisor=advisor,
                                 reason=form.rejection_text(claim.customer.language),
                                 request=request)
                self.message_user(request, _("Demande #%(n)s refusée; le client voit le "
                                             "motif.") % {"n": claim.pk}, messages.SUCCESS)
        except (lifecycle.TransitionNotAllowed, lifecycle.ReasonRequired,
                lifecycle.AmountRequired) as problem:
            self.message_user(request, problem.message, messages.ERROR)

    def response_change(self, request: HttpRequest, obj: Claim) -> HttpResponse:
        """After a decision, the next claim waiting (the queue's order), else the queue."""
        if "_accept" in request.POST or "_reject" in request.POST:
            following = next_in_queue(obj)
            if following is not None:
                return HttpResponseRedirect(
                    reverse("admin:claims_claimtoreview_change", args=[following.pk]))
            self.message_user(request, _("La file de vérification est vide."), messages.INFO)
            return HttpResponseRedirect(reverse("admin:claims_claimtoreview_changelist"))
        return super().response_change(request, obj)

    @admin.action(description=_("Marquer comme remboursées (décompte envoyé)"),
                  permissions=["change"])
    def settle_selected(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        done = 0
        for claim in queryset.select_related("customer").filter(status=ClaimStatus.ACCEPTED):
            with transaction.atomic():
                lifecycle.change_status(claim, ClaimStatus.SETTLED, actor=_advisor(request),
                                       request=request)
            done += 1
        self.message_user(request, ngettext("%(n)d demande remboursée.",
                                            "%(n)d demandes remboursées.", done) % {"n": done},
                          messages.SUCCESS)


@admin.register(ClaimToReview)
class ClaimToReviewAdmin(ClaimAdmin):
    """The review queue: claims "to review", oldest first, with their waiting time."""

    list_display = ["number", "waiting", "customer_label", "insured_person", "amount_chf",
                    "provider_name", "flags"]
    list_title = _("Demandes à vérifier, la plus ancienne en premier")
    list_filter = [ScopeFilter, "kind", "is_duplicate"]
    date_hierarchy = None
    ordering = ["status_changed_at", "id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        return super().get_queryset(request).filter(status=ClaimStatus.TO_REVIEW)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}  # each claim here is decided on its own page; none is accepted yet

    # The proxy uses the permissions of the claims themselves.
    def _claim_perm(self, request: HttpRequest, action: str) -> bool:
        return request.user.has_perm(f"claims.{action}_claim")

    def has_view_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        return self._claim_perm(request, "view") or self._claim_perm(request, "change")

    def has_change_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        return self._claim_perm(request, "change")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    @admin.display(description=_("en attente depuis"), ordering="status_changed_at")
    def waiting(self, obj: Claim) -> str:
        hours = int((timezone.now() - obj.status_changed_at).total_seconds() // 3600)
        text = (ngettext("%(n)d heure", "%(n)d heures", hours) % {"n": hours} if hours < 48
                else ngettext("%(n)d jour", "%(n)d jours", hours // 24) % {"n": hours // 24})
        late = "late" if hours >= SLA_HOURS else "ok"
        return format_html('<span class="sla sla--{}">{}</span>', late, text)

from claims import guarantee_admin  # noqa: E402,F401 - registers the cost guarantees' queue

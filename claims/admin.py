"""Advisor review in the admin: the review queue, page images beside the extracted fields,
accept / reject. Every change goes through ``claims.services`` (history + audit log)."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import audit
from claims import services
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
from claims.previews import LARGE, THUMBNAIL, preview_jpeg
from claims.review import apply_field_edit
from kptportal.admin_paginator import EstimatedCountPaginator

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


class ExtractedFieldForm(forms.ModelForm):
    name = forms.ChoiceField(label=_("champ"), choices=[(n, FIELD_LABELS.get(n, n))
                                                         for n in FIELD_NAMES])

    class Meta:
        model = ExtractedField
        fields = ["name", "value"]

    def clean(self):
        cleaned = super().clean()
        name, value = cleaned.get("name"), (cleaned.get("value") or "").strip()
        if not value or name is None:
            return cleaned
        if name == "amount":
            try:
                amount = Decimal(value.replace("'", "").replace(" ", ""))
                cleaned["value"] = f"{amount.quantize(Decimal('0.01'))}"
            except InvalidOperation:
                self.add_error("value", _("Montant invalide, p. ex. 183.45."))
        elif name in ("invoice_date", "patient_birth_date"):
            parsed = _parse_date(value)
            if parsed is None:
                self.add_error("value", _("Date invalide, p. ex. 14.03.2026."))
            else:
                cleaned["value"] = parsed.isoformat()
        elif name == "provider_gln" and not (value.isdigit() and len(value) == 13):
            self.add_error("value", _("Un GLN a 13 chiffres."))
        return cleaned


def _parse_date(value: str):
    from datetime import datetime

    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


class ExtractedFieldInline(admin.TabularInline):
    model = ExtractedField
    form = ExtractedFieldForm
    fields = ["name", "value", "confidence_badge", "source", "edited_by"]
    readonly_fields = ["confidence_badge", "source", "edited_by"]
    extra = 0
    can_delete = False

    @admin.display(description=_("confiance"))
    def confidence_badge(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        if obj.source == FieldSource.ADVISOR:
            return format_html('<span class="confidence confidence--checked">{}</span>',
                               _("vérifié"))
        level = "low" if obj.is_low_confidence else "high"
        label = _("à vérifier") if obj.is_low_confidence else ""
        return format_html('<span class="confidence confidence--{}">{} %</span> {}', level,
                           round(obj.confidence * 100), label)


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    fields = ["status", "at", "actor", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ClaimAdminForm(forms.ModelForm):
    decision_reason = forms.CharField(
        label=_("Motif du refus (montré au client)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    def clean(self):
        cleaned = super().clean()
        if "_reject" in self.data and not (cleaned.get("decision_reason") or "").strip():
            self.add_error("decision_reason",
                           _("Indiquez le motif du refus: le client le lira."))
        return cleaned


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    form = ClaimAdminForm
    change_form_template = "admin/claims/claim_review.html"
    list_display = ["number", "customer_number", "insured_person", "kind", "status",
                    "amount_chf", "duplicate_warning", "created_at"]
    list_filter = ["status", "kind", "is_duplicate", "created_at"]
    search_fields = ["customer__customer_number", "customer__account__username",
                     "insured_person__last_name", "provider_name"]
    list_select_related = ["customer", "insured_person"]
    # No date_hierarchy: its year list is a DISTINCT over every claim; the date filter needs
    # no query. Unfiltered, the count is the planner's estimate (docs/performance.md).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    inlines = [ExtractedFieldInline, StatusChangeInline]
    readonly_fields = ["customer", "insured_person", "kind", "note", "status", "created_at",
                       "amount_chf", "provider_name", "duplicate_warning", "review_warning",
                       "rejection_reason", "reviewed_by", "checksum", "timings", "attempts"]
    fieldsets = [
        (None, {"fields": ["status", "customer", "insured_person", "kind", "note",
                           "created_at", "duplicate_warning", "review_warning"]}),
        (_("Lecture"), {"fields": ["amount_chf", "provider_name"]}),
        (_("Décision"), {"fields": ["decision_reason", "rejection_reason", "reviewed_by"]}),
        (_("Technique"), {"classes": ["collapse"],
                          "fields": ["checksum", "timings", "attempts"]}),
    ]
    actions = ["accept_selected", "settle_selected"]

    class Media:
        css = {"all": ["css/claims-admin.css"]}

    # --- permissions: claims come from customers and are never deleted -------------
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # --- columns ----------------------------------------------------------------
    @admin.display(description=_("demande"), ordering="pk")
    def number(self, obj):
        return f"#{obj.pk}"

    @admin.display(description=_("client"), ordering="customer__customer_number")
    def customer_number(self, obj):
        return obj.customer.customer_number

    @admin.display(description=_("montant"), ordering="amount")
    def amount_chf(self, obj):
        from kptportal.money import format_chf

        return format_chf(obj.amount) if obj.amount is not None else "–"

    @admin.display(description=_("doublon"))
    def duplicate_warning(self, obj):
        if not obj.is_duplicate:
            return ""
        if obj.duplicate_of_id:
            url = reverse("admin:claims_claim_change", args=[obj.duplicate_of_id])
            return format_html('<a class="claim-duplicate" href="{}">⚠ {} #{}</a>', url,
                               _("doublon probable de"), obj.duplicate_of_id)
        return format_html('<span class="claim-duplicate">⚠ {}</span>', _("doublon probable"))

    # --- review: images beside the fields, accept / reject ---------------------------
    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("<int:claim_id>/pages/<int:page_id>/",
                 self.admin_site.admin_view(self.page_image),
                 name=f"{info[0]}_{info[1]}_page"),
        ] + super().get_urls()

    def page_image(self, request, claim_id: int, page_id: int):
        """Staff-only page image (audited): the advisor's view of what the customer sent."""
        from claims.views import _jpeg_response, sheet_index

        if not self.has_view_permission(request):
            raise PermissionDenied
        page = get_object_or_404(ClaimPage.objects.select_related("claim__customer"),
                                 pk=page_id, claim_id=claim_id)
        audit.record("document_viewed", request=request, actor=request.user,
                     customer=page.claim.customer, claim=claim_id, claim_page=page_id)
        size = LARGE if request.GET.get("size") == "large" else THUMBNAIL * 2
        return _jpeg_response(preview_jpeg(page, size=size,
                                           pdf_page=sheet_index(request, page)))

    def change_view(self, request, object_id, form_url="", extra_context=None):
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
        return super().change_view(request, object_id, form_url, extra_context)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ExtractedField:
            return super().save_formset(request, form, formset, change)
        claim = form.instance
        for inline_form in formset.forms:
            if not inline_form.has_changed() or inline_form in formset.deleted_forms:
                continue
            apply_field_edit(claim, name=inline_form.cleaned_data["name"],
                             value=inline_form.cleaned_data.get("value") or "",
                             advisor=request.user, request=request,
                             field=inline_form.instance if inline_form.instance.pk else None)
        # What the admin's change message reads after a formset save.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        return None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        claim = form.instance
        if claim.status != ClaimStatus.TO_REVIEW:
            return
        if "_accept" in request.POST:
            services.accept(claim, advisor=request.user, request=request)
            self.message_user(request, _("Demande acceptée."), messages.SUCCESS)
        elif "_reject" in request.POST:
            services.reject(claim, advisor=request.user,
                            reason=form.cleaned_data["decision_reason"], request=request)
            self.message_user(request, _("Demande refusée; le client voit le motif."),
                              messages.SUCCESS)

    @admin.action(description=_("Accepter les demandes sélectionnées"),
                  permissions=["change"])
    def accept_selected(self, request, queryset):
        done = 0
        for claim in queryset.select_related("customer").filter(status=ClaimStatus.TO_REVIEW):
            with transaction.atomic():
                services.accept(claim, advisor=request.user, request=request)
            done += 1
        self.message_user(request, ngettext("%(n)d demande acceptée.",
                                            "%(n)d demandes acceptées.", done) % {"n": done},
                          messages.SUCCESS)


    @admin.action(description=_("Marquer comme remboursées (décompte envoyé)"),
                  permissions=["change"])
    def settle_selected(self, request, queryset):
        done = 0
        for claim in queryset.select_related("customer").filter(status=ClaimStatus.ACCEPTED):
            with transaction.atomic():
                services.change_status(claim, ClaimStatus.SETTLED, actor=request.user,
                                       request=request)
            done += 1
        self.message_user(request, ngettext("%(n)d demande remboursée.",
                                            "%(n)d demandes remboursées.", done) % {"n": done},
                          messages.SUCCESS)


@admin.register(ClaimToReview)
class ClaimToReviewAdmin(ClaimAdmin):
    """The review queue: claims "to review", oldest first, with their waiting time."""

    list_display = ["number", "waiting", "customer_number", "insured_person", "kind",
                    "amount_chf", "provider_name", "duplicate_warning"]
    list_filter = ["kind", "is_duplicate"]
    date_hierarchy = None
    ordering = ["created_at", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=ClaimStatus.TO_REVIEW)

    # The proxy uses the permissions of the claims themselves.
    def _claim_perm(self, request, action):
        return request.user.has_perm(f"claims.{action}_claim")

    def has_view_permission(self, request, obj=None):
        return self._claim_perm(request, "view") or self._claim_perm(request, "change")

    def has_change_permission(self, request, obj=None):
        return self._claim_perm(request, "change")

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    @admin.display(description=_("en attente depuis"), ordering="status_changed_at")
    def waiting(self, obj):
        hours = int((timezone.now() - obj.status_changed_at).total_seconds() // 3600)
        text = (ngettext("%(n)d heure", "%(n)d heures", hours) % {"n": hours} if hours < 48
                else ngettext("%(n)d jour", "%(n)d jours", hours // 24) % {"n": hours // 24})
        late = "late" if hours >= SLA_HOURS else "ok"
        return format_html('<span class="sla sla--{}">{}</span>', late, text)

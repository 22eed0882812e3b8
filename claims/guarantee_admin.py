"""The advisors' queue of cost guarantee requests in the admin: the request and the doctor's
documents (each opening audited), then grant (a printed or uploaded guarantee), refuse with a
reason, or ask for information. Every decision goes through ``claims.cost_guarantees``."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin_display import customer_link
from accounts.models import User
from audit import log as audit
from claims import cost_guarantees, events
from claims.models import CostGuaranteeAttachment, CostGuaranteeRequest, GuaranteeStatus
from core.admin_mixins import my_customers_filter
from core.dates import parse_written_date
from core.money import format_chf
from core.responses import private_download
from core.uploads import UploadRejected, ValidatedUpload, validate_upload

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet
    from django.http import FileResponse, HttpRequest, HttpResponse
    from django.utils.safestring import SafeString

DECISION_FIELDS = ["cover", "amount", "valid_until", "guarantee_file", "message"]
ACTIONS = ("_grant", "_refuse", "_ask_info")
# Proposed validity: the planned date and three months after it.
DEFAULT_VALIDITY = timedelta(days=92)


def _advisor(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


class SwissDateField(forms.CharField):
    """dd.mm.yyyy shown and typed (ISO accepted), a ``date`` cleaned."""

    def to_python(self, value: Any) -> date | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        parsed = parse_written_date(text)
        if parsed is None:
            raise forms.ValidationError(_("Date invalide, p. ex. 14.03.2027."))
        return parsed


class GuaranteeDecisionForm(forms.ModelForm):
    cover = forms.CharField(
        label=_("Prise en charge accordée"), required=False, max_length=300,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=_("Ce qui est garanti, p. ex. « Séjour en division semi-privée, 3 nuits, "
                    "selon le tarif convenu ». Le client et l'hôpital le lisent."))
    amount = forms.DecimalField(
        label=_("Montant garanti (CHF)"), required=False, min_value=Decimal("0.00"),
        max_digits=10, decimal_places=2, localize=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 10}),
        help_text=_("Facultatif si la prise en charge est décrite ci-dessus."))
    valid_until = SwissDateField(
        label=_("Valable jusqu'au"), required=False,
        widget=forms.TextInput(attrs={"placeholder": _("jj.mm.aaaa"), "size": 10}))
    guarantee_file = forms.FileField(
        label=_("Ou joindre la garantie (PDF)"), required=False,
        help_text=_("Facultatif: sans fichier, la garantie est imprimée à partir de ces "
                    "indications."))
    message = forms.CharField(
        label=_("Message au client"), required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Le motif d'un refus, ou ce qui manque pour décider. Le client le lit "
                    "dans son portail."))

    class Meta:
        model = CostGuaranteeRequest
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.upload: ValidatedUpload | None = None
        if self.instance.pk and self.instance.planned_date:
            # Proposed; the model's own (empty) value would otherwise be the initial one.
            self.initial["valid_until"] = formats.date_format(
                self.instance.planned_date + DEFAULT_VALIDITY, "d.m.Y")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        message = (cleaned.get("message") or "").strip()
        if "_grant" in self.data:
            if not (cleaned.get("cover") or "").strip() and cleaned.get("amount") is None \
                    and not self.has_error("amount"):
                self.add_error("cover", cost_guarantees.CoverRequired().message)
            valid_until = cleaned.get("valid_until")
            planned = self.instance.planned_date
            if valid_until is None and not self.has_error("valid_until"):
                self.add_error("valid_until", _("Indiquez jusqu'à quand la garantie est "
                                                "valable."))
            elif valid_until is not None and valid_until < max(planned, timezone.localdate()):
                self.add_error("valid_until", cost_guarantees.ValidUntilInvalid(
                    date=formats.date_format(planned, "d.m.Y")).message)
            uploaded = cleaned.get("guarantee_file")
            if uploaded:
                try:
                    self.upload = validate_upload(uploaded)
                    cost_guarantees.check_guarantee_file(self.instance, self.upload)
                except UploadRejected as refused:
                    self.add_error("guarantee_file", " ".join(refused.messages))
                except cost_guarantees.GuaranteeFileAlreadyArchived as refused:
                    # Said on the form: the cover, amount and dates typed stay as they are.
                    self.add_error("guarantee_file", refused.message)
        elif "_refuse" in self.data and not message:
            self.add_error("message", cost_guarantees.ReasonRequired().message)
        elif "_ask_info" in self.data and not message:
            self.add_error("message", cost_guarantees.QuestionRequired().message)
        return cleaned


GuaranteeScopeFilter = my_customers_filter("customer__advisor")


class OpenFilter(admin.SimpleListFilter):
    """Open requests by default: the queue; "all" shows the decided ones too."""

    title = _("à traiter")
    parameter_name = "open"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("all", _("Toutes"))]

    def choices(self, changelist: Any) -> Any:
        yield {"selected": self.value() is None,
               "query_string": changelist.get_query_string(remove=[self.parameter_name]),
               "display": _("À traiter")}
        yield {"selected": self.value() == "all",
               "query_string": changelist.get_query_string({self.parameter_name: "all"}),
               "display": _("Toutes")}

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # A status picked in the next filter (granted, refused) shows those, decided or not.
        if self.value() == "all" or "status__exact" in request.GET:
            return queryset
        return queryset.filter(status__in=cost_guarantees.OPEN_STATUSES)


@admin.register(CostGuaranteeRequest)
class CostGuaranteeRequestAdmin(admin.ModelAdmin):
    form = GuaranteeDecisionForm
    change_form_template = "admin/claims/guarantee_review.html"
    list_display = ["number", "waiting", "customer_label", "insured_person", "provider",
                    "planned", "status"]
    list_filter = [OpenFilter, "status", GuaranteeScopeFilter]
    search_fields = ["customer__customer_number", "customer__account__username",
                     "insured_person__last_name", "provider_name"]
    list_select_related = ["customer__account", "insured_person"]
    ordering = ["status_changed_at", "id"]
    show_full_result_count = False
    readonly_fields = ["status", "customer_label", "insured_person", "provider",
                       "planned", "ward_class", "treatment", "received", "files",
                       "advisor_message", "granted", "document_link", "decided_by"]
    actions = None

    class Media:
        css = {"all": ["css/claims-admin.css"]}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest,
                              obj: CostGuaranteeRequest | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[CostGuaranteeRequest]:
        return super().get_queryset(request).prefetch_related("customer__insured_persons")

    def get_object(self, request: HttpRequest, object_id: str,
                   from_field: str | None = None) -> CostGuaranteeRequest | None:
        """The request with all its page shows (one query, its files and persons two more),
        read once per page: the title and the form both use it."""
        cached = getattr(request, "_cost_guarantee", None)
        if cached is not None and str(cached.pk) == str(object_id):
            return cached
        queryset = (self.get_queryset(request)
                    .select_related("customer__account", "insured_person", "document",
                                    "decided_by")
                    .prefetch_related("attachments"))
        try:
            obj = queryset.get(pk=int(object_id))
        except (CostGuaranteeRequest.DoesNotExist, ValueError):
            return None
        request._cost_guarantee = obj  # type: ignore[attr-defined]
        return obj

    def _deciding(self, obj: CostGuaranteeRequest | None) -> bool:
        return obj is not None and obj.status in cost_guarantees.OPEN_STATUSES

    def get_fieldsets(self, request: HttpRequest,
                      obj: CostGuaranteeRequest | None = None) -> Any:
        request_fields = ["status", "customer_label", "insured_person", "provider", "planned",
                          "ward_class", "treatment", "received", "files"]
        if self._deciding(obj):
            decision = (DECISION_FIELDS if self.has_change_permission(request, obj)
                        else ["advisor_message"])
            if obj is not None and obj.advisor_message:
                request_fields.append("advisor_message")
        else:
            decision = ["granted", "document_link", "advisor_message", "decided_by"]
        return [(None, {"fields": request_fields}), (_("Décision"), {"fields": decision})]

    def get_form(self, request: HttpRequest, obj: CostGuaranteeRequest | None = None,
                 change: bool = False, **kwargs: Any) -> Any:
        kwargs["fields"] = (DECISION_FIELDS if self._deciding(obj)
                            and self.has_change_permission(request, obj) else [])
        return super().get_form(request, obj, change, **kwargs)

    # --- columns ---------------------------------------------------------------------
    @admin.display(description=_("demande"), ordering="pk")
    def number(self, obj: CostGuaranteeRequest) -> str:
        return obj.reference

    @admin.display(description=_("client"), ordering="customer__customer_number")
    def customer_label(self, obj: CostGuaranteeRequest) -> SafeString:
        return customer_link(obj.customer)

    @admin.display(description=_("hôpital ou prestataire"), ordering="provider_name")
    def provider(self, obj: CostGuaranteeRequest) -> str:
        return f"{obj.provider_name}, {obj.provider_place}"

    @admin.display(description=_("date prévue"), ordering="planned_date")
    def planned(self, obj: CostGuaranteeRequest) -> str:
        return formats.date_format(obj.planned_date, "d.m.Y")

    @admin.display(description=_("demandée le"), ordering="created_at")
    def received(self, obj: CostGuaranteeRequest) -> str:
        return formats.date_format(timezone.localtime(obj.created_at), "d.m.Y H:i")

    @admin.display(description=_("en attente depuis"), ordering="status_changed_at")
    def waiting(self, obj: CostGuaranteeRequest) -> str:
        if obj.status not in cost_guarantees.OPEN_STATUSES:
            return "–"
        hours = int((timezone.now() - obj.status_changed_at).total_seconds() // 3600)
        if hours < 48:
            return ngettext("%(n)d heure", "%(n)d heures", hours) % {"n": hours}
        return ngettext("%(n)d jour", "%(n)d jours", hours // 24) % {"n": hours // 24}

    @admin.display(description=_("documents du médecin"))
    def files(self, obj: CostGuaranteeRequest) -> SafeString | str:
        items = list(obj.attachments.all())
        if not items:
            return "–"
        return format_html('<ul class="guarantee-files">{}</ul>', format_html_join(
            "", '<li><a href="{}">{}</a> <span class="help">({}, {})</span></li>',
            ((reverse("admin:claims_costguaranteerequest_file", args=[obj.pk, item.pk]),
              item.original_name or _("document"),
              ngettext("%(n)d page", "%(n)d pages", item.page_count) % {"n": item.page_count},
              formats.date_format(timezone.localtime(item.added_at), "d.m.Y H:i"))
             for item in items)))

    @admin.display(description=_("garanti"))
    def granted(self, obj: CostGuaranteeRequest) -> str:
        if obj.status != GuaranteeStatus.GRANTED:
            return "–"
        parts = [obj.cover] if obj.cover else []
        if obj.amount is not None:
            parts.append(format_chf(obj.amount))
        if obj.valid_until:
            parts.append(str(_("valable jusqu'au %(date)s") % {
                "date": formats.date_format(obj.valid_until, "d.m.Y")}))
        return " · ".join(parts)

    @admin.display(description=_("garantie"))
    def document_link(self, obj: CostGuaranteeRequest) -> SafeString | str:
        if not obj.document_id:
            return "–"
        return format_html('<a href="{}">{}</a>', reverse("admin:documents_document_change",
                                                          args=[obj.document_id]),
                           obj.reference)

    # --- the doctor's documents, each opening audited ------------------------------
    def get_urls(self) -> list[URLPattern]:
        return [
            path("<int:guarantee_id>/files/<int:file_id>/",
                 self.admin_site.admin_view(self.file_view),
                 name="claims_costguaranteerequest_file"),
            *super().get_urls(),
        ]

    def file_view(self, request: HttpRequest, guarantee_id: int, file_id: int) -> FileResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        item = get_object_or_404(
            CostGuaranteeAttachment.objects.select_related("request__customer"),
            pk=file_id, request_id=guarantee_id)
        audit.record(events.GUARANTEE_FILE_VIEWED, request=request, actor=_advisor(request),
                     customer=item.request.customer, guarantee=guarantee_id, file=item.pk)
        extension = item.file.name.rsplit(".", 1)[-1] if "." in item.file.name else "bin"
        return private_download(item.file.open("rb"), filename=f"{item.request.reference}-"
                                f"{item.pk}.{extension}", content_type=item.content_type,
                                size=item.size or None)

    # --- deciding ---------------------------------------------------------------------
    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra_context["can_decide"] = (self._deciding(obj)
                                           and self.has_change_permission(request, obj))
            extra_context["title"] = _("Garantie %(reference)s · %(provider)s") % {
                "reference": obj.reference, "provider": obj.provider_name}
            extra_context["subtitle"] = None
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: CostGuaranteeRequest, form: Any,
                   change: bool) -> None:
        """Nothing is edited here: the decision goes through the rules (audit, notice)."""

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        return None  # the audit log is the record

    def save_related(self, request: HttpRequest, form: Any, formsets: Any,
                     change: Any) -> None:
        obj = form.instance
        if not self._deciding(obj):
            return
        advisor, data = _advisor(request), form.cleaned_data
        try:
            if "_grant" in request.POST:
                cost_guarantees.grant(obj, advisor=advisor, valid_until=data["valid_until"],
                                      cover=data.get("cover") or "", amount=data.get("amount"),
                                      uploaded=form.upload, request=request)
                self.message_user(request, _("Garantie %(reference)s accordée; le client la "
                                             "trouve dans ses documents.")
                                  % {"reference": obj.reference}, messages.SUCCESS)
            elif "_refuse" in request.POST:
                cost_guarantees.refuse(obj, advisor=advisor, reason=data["message"],
                                       request=request)
                self.message_user(request, _("Demande %(reference)s refusée; le client voit "
                                             "le motif.") % {"reference": obj.reference},
                                  messages.SUCCESS)
            elif "_ask_info" in request.POST:
                cost_guarantees.ask_for_information(obj, advisor=advisor,
                                                    question=data["message"], request=request)
                self.message_user(request, _("Question envoyée au client pour %(reference)s.")
                                  % {"reference": obj.reference}, messages.SUCCESS)
        except cost_guarantees.GuaranteeError as problem:
            self.message_user(request, problem.message, messages.ERROR)

    def response_change(self, request: HttpRequest, obj: CostGuaranteeRequest) -> HttpResponse:
        from django.http import HttpResponseRedirect

        if any(action in request.POST for action in ACTIONS):
            return HttpResponseRedirect(reverse("admin:claims_costguaranteerequest_changelist"))
        return super().response_change(request, obj)

"""The advisors' side: their (and their team's) conversations and the login-help queue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.db.models import Case, Count, F, OuterRef, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin_display import customer_link
from accounts.models import User
from audit import log as audit
from core.admin_paginator import EstimatedCountPaginator
from core.uploads import ValidatedUpload
from messaging import advisors, attachments, canned, conversations, events, loginhelp
from messaging.forms import attachments_field, validated_attachments
from messaging.models import AdvisorTeam, Attachment, LoginHelpRequest, Message, Thread

if TYPE_CHECKING:
    from django.db.models import Field, ForeignKey, Model
    from django.forms import Field as FormField
    from django.http import FileResponse, HttpRequest, HttpResponse
    from django.utils.safestring import SafeString


class StaffQueueAdmin(admin.ModelAdmin):
    """Queues the advisors work (their group's view/change permissions); nobody adds or
    deletes from here: threads and requests come from customers and stay."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ColleagueChoiceField(forms.ModelChoiceField):
    """An advisor by name (the login name when none is set)."""

    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class AssignedFilter(admin.SimpleListFilter):
    title = _("attribution")
    parameter_name = "assigned"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("me", _("À moi")), ("none", _("Non attribuées"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "me":
            return queryset.filter(assigned_to=advisors.advisor_of(request))
        if self.value() == "none":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class AwaitingFilter(admin.SimpleListFilter):
    title = _("réponse")
    parameter_name = "awaiting"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Sans réponse")), ("no", _("Répondues"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(awaiting_reply_since__isnull=False,
                                   status=Thread.Status.OPEN)
        if self.value() == "no":
            return queryset.filter(awaiting_reply_since__isnull=True)
        return queryset


class ThreadAdminForm(forms.ModelForm):
    reply = forms.CharField(
        label=_("Votre réponse"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text=_("Visible immédiatement par le client, qui est prévenu par SMS ou e-mail "
                    "(sans le contenu)."),
    )
    canned = forms.ChoiceField(
        label=_("Réponse type"), required=False, choices=canned.canned_choices,
        help_text=_("Reprise dans votre réponse, que vous pouvez compléter; envoyée telle quelle "
                    "si vous n'écrivez rien."),
    )
    attachments = attachments_field()

    # Which button was pressed (ThreadAdmin.get_form sets it): only "Envoyer la réponse"
    # (``_save``) sends; "Enregistrer l'attribution et le statut" (``_continue``) never does.
    sending = False

    class Meta:
        model = Thread
        fields = ["assigned_to", "status"]

    def clean_attachments(self) -> list[tuple[str, ValidatedUpload]]:
        return validated_attachments(self.cleaned_data.get("attachments") or [])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        own_words = (cleaned.get("reply") or "").strip()
        if cleaned.get("canned") and not own_words:
            cleaned["reply"] = canned.canned_text(cleaned["canned"],
                                                  self.instance.customer.language)
        if not self.sending:
            # Saving the assignment must not drop a reply: say it was not sent, keep every
            # word (and the chosen canned answer) in the form, let the advisor decide.
            if own_words or cleaned.get("attachments"):
                self.add_error("reply", _("Cette réponse n'a pas été envoyée: « Enregistrer "
                                          "l’attribution et le statut » n'envoie rien au "
                                          "client. Cliquez sur « Envoyer la réponse » (elle "
                                          "enregistre aussi l'attribution et le statut), ou "
                                          "videz ce champ."))
            elif cleaned.get("canned"):
                self.add_error("canned", _("Cette réponse type n'a pas été envoyée: cliquez sur "
                                           "« Envoyer la réponse », ou choisissez « aucune »."))
            return cleaned
        if not (cleaned.get("reply") or "").strip() and "reply" not in self.errors:
            self.add_error("reply", _("Écrivez votre réponse ou choisissez une réponse type."))
        return cleaned


@admin.register(Thread)
class ThreadAdmin(StaffQueueAdmin):
    form = ThreadAdminForm
    change_form_template = "admin/messaging/thread/change_form.html"
    list_display = ("subject", "customer_label", "unread", "sla_age", "assigned_name",
                    "status", "last_activity")
    list_display_links = ("subject",)
    list_select_related = ("customer__account", "assigned_to")
    list_filter = ("status", AssignedFilter, AwaitingFilter)
    search_fields = ("subject", "customer__customer_number", "customer__account__username",
                     "customer__insured_persons__last_name")
    # Unanswered first, the longest-waiting on top; then the most recent activity.
    # The stubs allow only field names here; Django takes expressions too, as in Meta.ordering.
    ordering = (F("awaiting_reply_since").asc(nulls_last=True),  # type: ignore[assignment]
                "-last_activity_at")
    readonly_fields = ("customer_label", "subject", "about_label", "sla_age", "conversation")
    fieldsets = (
        (None, {"fields": ("customer_label", "subject", "about_label", "sla_age")}),
        (_("Conversation"), {"fields": ("conversation",)}),
        (_("Répondre"), {"fields": ("canned", "reply", "attachments")}),
        (_("Traitement"), {"fields": ("assigned_to", "status")}),
    )
    actions = ["close_threads", "reopen_threads", "mark_threads_read"]

    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_queryset(self, request: HttpRequest) -> QuerySet[Thread]:
        # A subquery per listed thread rather than a join grouped over every message: the
        # queue's order then comes from an index and only the shown page is counted.
        unread = (Message.objects.filter(thread=OuterRef("pk"), from_advisor=False,
                                         read_at__isnull=True)
                  .order_by().values("thread").annotate(n=Count("pk")).values("n"))
        return (advisors.visible_threads(advisors.advisor_of(request))
                .prefetch_related("customer__insured_persons")
                .annotate(unread_count=Coalesce(Subquery(unread), 0)))

    def get_form(self, request: HttpRequest, obj: Thread | None = None, change: bool = False,
                 **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        # The button is part of what the advisor asked for: the form needs it to validate.
        return type(form.__name__, (form,), {"sending": "_save" in request.POST})

    def formfield_for_foreignkey(self, db_field: ForeignKey[Any, Any], request: HttpRequest,
                                 **kwargs: Any) -> forms.ModelChoiceField | None:
        if db_field.name == "assigned_to":
            advisor = advisors.advisor_of(request)
            kwargs["queryset"] = (User.objects.filter(is_staff=True, is_active=True)
                                  if advisor.is_superuser
                                  else advisors.colleagues_of(advisor))
            kwargs["form_class"] = ColleagueChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field: Field[Any, Any], request: HttpRequest,
                              **kwargs: Any) -> FormField | None:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        # A plain choice of colleague, no user editing (the admin wraps every relation).
        if db_field.name == "assigned_to" and field is not None and isinstance(
                field.widget, RelatedFieldWidgetWrapper):
            field.widget.can_add_related = field.widget.can_change_related = False
            field.widget.can_delete_related = field.widget.can_view_related = False
        return field

    @admin.display(description=_("client"), ordering="customer__customer_number")
    def customer_label(self, thread: Thread) -> SafeString:
        return customer_link(thread.customer)

    @admin.display(description=_("attribué à"), ordering="assigned_to__last_name")
    def assigned_name(self, thread: Thread) -> str:
        advisor = thread.assigned_to
        return (advisor.get_full_name() or advisor.username) if advisor else "—"

    @admin.display(description=_("dernière activité"), ordering="last_activity_at")
    def last_activity(self, thread: Thread) -> str:
        return date_format(localtime(thread.last_activity_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("non lus"), ordering="unread_count")
    def unread(self, thread: Thread) -> int | str:
        return getattr(thread, "unread_count", 0) or ""

    @admin.display(description=_("sans réponse depuis"), ordering="awaiting_reply_since")
    def sla_age(self, thread: Thread) -> str:
        if thread.awaiting_reply_since is None:
            return "—"
        return timesince(thread.awaiting_reply_since)

    @admin.display(description=_("messages"))
    def conversation(self, thread: Thread) -> str:
        if thread.pk is None:
            return ""
        items = (thread.messages.select_related("author").prefetch_related("attachments"))
        return format_html(
            '<ol class="admin-conversation">{}</ol>',
            format_html_join("", '<li><p><strong>{}</strong> · {}</p><div>{}</div>{}</li>', (
                (self._sender(m), date_format(localtime(m.created_at), "SHORT_DATETIME_FORMAT"),
                 format_html_join("", "{}<br>", ((line,) for line in m.body.splitlines())),
                 self._attachment_links(m))
                for m in items
            )),
        )

    @staticmethod
    def _sender(message: Message) -> str:
        name = message.author.get_full_name() if message.author else ""
        return f"{name} (KPT)" if message.from_advisor else f"{name} ({_('client')})"

    def _attachment_links(self, message: Message) -> SafeString:
        return format_html_join("", '<p>{}: <a href="{}">{}</a></p>', (
            (_("Pièce jointe"), reverse("admin:messaging_thread_attachment", args=[a.pk]),
             a.filename)
            for a in message.attachments.all()
        ))

    def render_change_form(self, request: HttpRequest, context: dict[str, Any],
                           add: bool = False, change: bool = False, form_url: str = "",
                           obj: Thread | None = None) -> HttpResponse:
        if obj is not None:
            context.update(title=obj.subject, subtitle=None,
                           canned_texts={key: canned.canned_text(key, obj.customer.language)
                                         for key in canned.CANNED_ANSWERS})
        return super().render_change_form(request, context, add, change, form_url, obj)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        # Opening a thread reads nothing: the advisor marks it read, or answers.
        if request.method == "POST" and "_mark_read" in request.POST:
            thread = self.get_object(request, object_id)
            if thread is None or not self.has_change_permission(request, thread):
                raise Http404
            count = conversations.mark_read_by_advisor(
                thread, advisor=advisors.advisor_of(request), request=request)
            self.message_user(request, ngettext("%d message marqué comme lu.",
                                                "%d messages marqués comme lus.", count) % count)
            return HttpResponseRedirect(request.path)
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            thread = self.get_object(request, object_id)
            if thread is not None:
                conversations.viewed_by_advisor(thread, advisor=advisors.advisor_of(request),
                                                request=request)
        return response

    def save_model(self, request: HttpRequest, obj: Thread, form: ThreadAdminForm,
                   change: bool) -> None:
        """Every change through the services (audited); the form's instance is not saved."""
        advisor = advisors.advisor_of(request)
        thread = Thread.objects.select_related("customer__account").get(pk=obj.pk)
        body = form.cleaned_data.get("reply", "").strip()
        if form.sending and body:
            conversations.advisor_reply(thread=thread, advisor=advisor, body=body,
                                        files=form.cleaned_data.get("attachments") or [],
                                        request=request)
            self.message_user(request, _("Réponse envoyée au client."), messages.SUCCESS)
        if "assigned_to" in form.changed_data:
            conversations.assign(thread, to=form.cleaned_data["assigned_to"], advisor=advisor,
                                 request=request)
        if "status" in form.changed_data:
            conversations.set_status(thread, form.cleaned_data["status"], advisor=advisor,
                                     request=request)
        if {"assigned_to", "status"} & set(form.changed_data):
            self.message_user(request, _("Attribution et statut enregistrés."),
                              messages.SUCCESS)
        obj.refresh_from_db()

    def response_change(self, request: HttpRequest, obj: Thread) -> HttpResponse:
        """Back to the inbox (or the same thread); save_model said what was done."""
        if "_continue" in request.POST:
            return HttpResponseRedirect(request.path)
        return HttpResponseRedirect(reverse("admin:messaging_thread_changelist"))

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        return None  # the audit log (above) is the record, with the advisor as actor

    def _each(self, request: HttpRequest, queryset: QuerySet[Thread], change: Any) -> int:
        advisor = advisors.advisor_of(request)
        return sum(bool(change(thread, advisor=advisor, request=request))
                   for thread in queryset.select_related("customer__account"))

    @admin.action(description=_("Clore les conversations choisies"), permissions=["change"])
    def close_threads(self, request: HttpRequest, queryset: QuerySet[Thread]) -> None:
        count = self._each(request, queryset, conversations.close)
        self.message_user(request, ngettext("%d conversation close.",
                                            "%d conversations closes.", count) % count)

    @admin.action(description=_("Rouvrir les conversations choisies"), permissions=["change"])
    def reopen_threads(self, request: HttpRequest, queryset: QuerySet[Thread]) -> None:
        count = self._each(request, queryset, conversations.reopen)
        self.message_user(request, ngettext("%d conversation rouverte.",
                                            "%d conversations rouvertes.", count) % count)

    @admin.action(description=_("Marquer comme lues"), permissions=["change"])
    def mark_threads_read(self, request: HttpRequest, queryset: QuerySet[Thread]) -> None:
        count = self._each(request, queryset, conversations.mark_read_by_advisor)
        self.message_user(request, ngettext("%d message marqué comme lu.",
                                            "%d messages marqués comme lus.", count) % count)

    def get_urls(self) -> list[URLPattern]:
        return [
            path("attachment/<int:attachment_id>/",
                 self.admin_site.admin_view(self.attachment_view),
                 name="messaging_thread_attachment"),
            *super().get_urls(),
        ]

    def attachment_view(self, request: HttpRequest, attachment_id: int) -> FileResponse:
        if not self.has_view_permission(request):
            raise Http404
        advisor = advisors.advisor_of(request)
        visible = advisors.visible_threads(advisor)
        item = get_object_or_404(
            Attachment.objects.filter(message__thread__in=visible)
            .select_related("message__thread__customer"),
            pk=attachment_id)
        response = attachments.download(item)
        thread = item.message.thread
        audit.record(events.ATTACHMENT_DOWNLOADED, request=request, actor=advisor,
                     customer=thread.customer, thread=thread.pk, attachment=item.pk)
        return response


class HandledFilter(admin.SimpleListFilter):
    title = _("traitée par")
    parameter_name = "handled"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("me", _("Moi"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "me":
            return queryset.filter(handled_by=advisors.advisor_of(request))
        return queryset


@admin.register(LoginHelpRequest)
class LoginHelpRequestAdmin(StaffQueueAdmin):
    list_display = ("reference", "created_at", "name", "contract_number", "matched",
                    "status", "handled_by")
    list_select_related = ("matched_customer", "handled_by")
    list_filter = ("status", HandledFilter)
    search_fields = ("reference", "name", "contract_number", "phone")
    fields = ("reference", "created_at", "name", "contract_number", "matched", "birth_date",
              "phone", "description", "sent_from", "status", "handled_by", "advisor_note")
    readonly_fields = ("reference", "created_at", "name", "contract_number", "matched",
                       "birth_date", "phone", "description", "sent_from", "handled_by")
    actions = ["mark_done"]

    # New requests first (the queue), then those in progress; the most recent first.
    # Expressions, as above (the stubs allow only field names).
    ordering = (Case(When(status=LoginHelpRequest.Status.NEW, then=0),  # type: ignore[assignment]
                     When(status=LoginHelpRequest.Status.IN_PROGRESS, then=1),
                     default=2).asc(), "-created_at")

    @admin.display(description=_("client trouvé"), ordering="matched_customer__customer_number")
    def matched(self, ticket: LoginHelpRequest) -> str:
        return ticket.matched_customer.customer_number if ticket.matched_customer else "—"

    @admin.display(description=_("envoyée depuis l'adresse IP"))
    def sent_from(self, ticket: LoginHelpRequest) -> str:
        return ticket.ip_address or "—"

    def save_model(self, request: HttpRequest, obj: LoginHelpRequest, form: Any,
                   change: bool) -> None:
        """Through the service (audited); the form's instance itself is not saved."""
        ticket = LoginHelpRequest.objects.get(pk=obj.pk)
        loginhelp.handle(ticket, advisor=advisors.advisor_of(request),
                         status=form.cleaned_data.get("status"),
                         note=form.cleaned_data.get("advisor_note"), request=request)
        obj.refresh_from_db()

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        return None  # the audit log is the record

    @admin.action(description=_("Marquer comme traitées"), permissions=["change"])
    def mark_done(self, request: HttpRequest, queryset: QuerySet[LoginHelpRequest]) -> None:
        advisor = advisors.advisor_of(request)
        count = sum(loginhelp.mark_done(ticket, advisor=advisor, request=request)
                    for ticket in queryset.select_related("matched_customer"))
        self.message_user(request, ngettext("%d demande traitée.", "%d demandes traitées.",
                                            count) % count)


@admin.register(AdvisorTeam)
class AdvisorTeamAdmin(admin.ModelAdmin):
    list_display = ("name",)
    filter_horizontal = ("members",)

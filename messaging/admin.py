"""The advisors' side: their (and their team's) conversations and the login-help queue."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Case, Count, F, OuterRef, Subquery, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from kptportal.admin_paginator import EstimatedCountPaginator
from messaging import advisors, conversations
from messaging.models import AdvisorTeam, Attachment, LoginHelpRequest, Message, Thread
from messaging.views import attachment_response


class StaffQueueAdmin(admin.ModelAdmin):
    """Every active advisor (staff) works these queues; nobody adds or deletes from here."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ThreadAdminForm(forms.ModelForm):
    reply = forms.CharField(
        label=_("Votre réponse"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text=_("Visible immédiatement par le client, qui est prévenu par SMS ou e-mail "
                    "(sans le contenu)."),
    )

    class Meta:
        model = Thread
        fields = ["assigned_to", "status"]


@admin.register(Thread)
class ThreadAdmin(StaffQueueAdmin):
    form = ThreadAdminForm
    list_display = ("subject", "customer_number", "unread", "sla_age", "assigned_to",
                    "status", "last_activity_at")
    list_select_related = ("customer", "assigned_to")
    list_filter = ("status",)
    search_fields = ("subject", "customer__customer_number", "customer__account__username")
    # Unanswered first, the longest-waiting on top; then the most recent activity.
    ordering = (F("awaiting_reply_since").asc(nulls_last=True), "-last_activity_at")
    readonly_fields = ("customer_number", "subject", "about_label", "sla_age", "conversation")
    fieldsets = (
        (None, {"fields": ("customer_number", "subject", "about_label", "sla_age")}),
        (_("Conversation"), {"fields": ("conversation",)}),
        (_("Répondre"), {"fields": ("reply",)}),
        (_("Traitement"), {"fields": ("assigned_to", "status")}),
    )
    actions = ["close_threads", "reopen_threads"]

    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_queryset(self, request):
        # A subquery per listed thread rather than a join grouped over every message: the
        # queue's order then comes from an index and only the shown page is counted.
        unread = (Message.objects.filter(thread=OuterRef("pk"), from_advisor=False,
                                         read_at__isnull=True)
                  .order_by().values("thread").annotate(n=Count("pk")).values("n"))
        return advisors.visible_threads(request.user).annotate(
            unread_count=Coalesce(Subquery(unread), 0))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assigned_to":
            kwargs["queryset"] = (User.objects.filter(is_staff=True, is_active=True)
                                  if request.user.is_superuser
                                  else advisors.colleagues_of(request.user))
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "assigned_to":
            field.label_from_instance = lambda user: user.get_full_name() or user.username
        return field

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "assigned_to":  # a plain choice of colleague, no user editing
            field.widget.can_add_related = field.widget.can_change_related = False
            field.widget.can_delete_related = field.widget.can_view_related = False
        return field

    @admin.display(description=_("client"), ordering="customer__customer_number")
    def customer_number(self, thread):
        return thread.customer.customer_number

    @admin.display(description=_("non lus"), ordering="unread_count")
    def unread(self, thread):
        return getattr(thread, "unread_count", 0) or ""

    @admin.display(description=_("sans réponse depuis"), ordering="awaiting_reply_since")
    def sla_age(self, thread):
        if thread.awaiting_reply_since is None:
            return "—"
        return timesince(thread.awaiting_reply_since)

    @admin.display(description=_("messages"))
    def conversation(self, thread):
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

    def _attachment_links(self, message: Message):
        return format_html_join("", '<p>{}: <a href="{}">{}</a></p>', (
            (_("Pièce jointe"), reverse("admin:messaging_thread_attachment", args=[a.pk]),
             a.filename)
            for a in message.attachments.all()
        ))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            thread = self.get_object(request, object_id)
            if thread is not None:
                conversations.mark_read_by_advisor(thread)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        body = form.cleaned_data.get("reply", "").strip()
        if body:
            conversations.advisor_reply(thread=obj, advisor=request.user, body=body)
            self.message_user(request, _("Réponse envoyée au client."), messages.SUCCESS)

    @admin.action(description=_("Clore les conversations choisies"))
    def close_threads(self, request, queryset):
        count = queryset.update(status=Thread.Status.CLOSED)
        self.message_user(request, ngettext("%d conversation close.",
                                            "%d conversations closes.", count) % count)

    @admin.action(description=_("Rouvrir les conversations choisies"))
    def reopen_threads(self, request, queryset):
        count = queryset.update(status=Thread.Status.OPEN)
        self.message_user(request, ngettext("%d conversation rouverte.",
                                            "%d conversations rouvertes.", count) % count)

    def get_urls(self):
        return [
            path("attachment/<int:attachment_id>/",
                 self.admin_site.admin_view(self.attachment_view),
                 name="messaging_thread_attachment"),
            *super().get_urls(),
        ]

    def attachment_view(self, request, attachment_id: int):
        if not self.has_view_permission(request):
            raise Http404
        item = get_object_or_404(
            Attachment.objects.filter(message__thread__in=advisors.visible_threads(request.user)),
            pk=attachment_id)
        return attachment_response(item)


@admin.register(LoginHelpRequest)
class LoginHelpRequestAdmin(StaffQueueAdmin):
    list_display = ("reference", "created_at", "name", "contract_number", "matched",
                    "status", "handled_by")
    list_select_related = ("matched_customer", "handled_by")
    list_filter = ("status",)
    search_fields = ("reference", "name", "contract_number", "phone")
    readonly_fields = ("reference", "created_at", "name", "contract_number", "matched",
                       "birth_date", "phone", "description", "ip_address")
    fields = readonly_fields + ("status", "handled_by", "advisor_note")
    actions = ["mark_done"]

    # New requests first (the queue), then those in progress; the most recent first.
    ordering = (Case(When(status=LoginHelpRequest.Status.NEW, then=0),
                     When(status=LoginHelpRequest.Status.IN_PROGRESS, then=1),
                     default=2).asc(), "-created_at")

    @admin.display(description=_("client trouvé"), ordering="matched_customer__customer_number")
    def matched(self, ticket):
        return ticket.matched_customer.customer_number if ticket.matched_customer else "—"

    def save_model(self, request, obj, form, change):
        if obj.status != LoginHelpRequest.Status.NEW and obj.handled_by is None:
            obj.handled_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Marquer comme traitées"))
    def mark_done(self, request, queryset):
        count = queryset.update(status=LoginHelpRequest.Status.DONE, handled_by=request.user)
        self.message_user(request, ngettext("%d demande traitée.", "%d demandes traitées.",
                                            count) % count)


@admin.register(AdvisorTeam)
class AdvisorTeamAdmin(admin.ModelAdmin):
    list_display = ("name",)
    filter_horizontal = ("members",)

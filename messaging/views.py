from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.household import customer_required
from core.net import client_ip, client_network
from messaging import about, attachments, conversations, loginhelp
from messaging.forms import LoginHelpForm, MessageForm, NewThreadForm
from messaging.models import Attachment, Thread

if TYPE_CHECKING:
    from accounts.household import CustomerRequest

HONEYPOT_FIELD = "website"
LOGIN_HELP_REFERENCE = "messaging:login_help_reference"


@require_GET
@customer_required
def inbox(request: CustomerRequest) -> HttpResponse:
    if any(kind in request.GET for kind in about.KINDS):
        return redirect(f"{reverse('messaging:new')}?{request.GET.urlencode()}")
    threads = conversations.threads_of(request.customer)
    return render(request, "messaging/inbox.html", {"threads": threads})


@require_http_methods(["GET", "POST"])
@customer_required
def new_thread(request: CustomerRequest) -> HttpResponse:
    subject_about = about.from_params(request.customer, request.GET)
    if request.method == "POST":
        form = NewThreadForm(request.POST, request.FILES)
        if form.is_valid():
            thread = conversations.start_thread(
                customer=request.customer, author=request.user,
                subject=form.cleaned_data["subject"], body=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"], about=subject_about,
            )
            messages.success(request, _("Votre message a été envoyé à votre conseiller·ère."))
            return redirect("messaging:thread", thread_id=thread.pk)
    else:
        initial = {}
        if subject_about:
            initial["subject"] = _("Question: %(label)s") % {"label": subject_about.label}
        form = NewThreadForm(initial=initial)
    return render(request, "messaging/new.html", {"form": form, "about": subject_about})


@require_http_methods(["GET", "POST"])
@customer_required
def thread_detail(request: CustomerRequest, thread_id: int) -> HttpResponse:
    thread = get_object_or_404(Thread, pk=thread_id, customer=request.customer)
    if request.method == "POST":
        form = MessageForm(request.POST, request.FILES)
        if form.is_valid():
            conversations.customer_reply(thread=thread, author=request.user,
                                         body=form.cleaned_data["body"],
                                         files=form.cleaned_data["attachments"])
            messages.success(request, _("Votre réponse a été envoyée."))
            return redirect("messaging:thread", thread_id=thread.pk)
    else:
        form = MessageForm()
    # Read before marking: the page still highlights what was new on this visit.
    thread_messages = list(
        thread.messages.select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )
    if any(m.from_advisor and m.read_at is None for m in thread_messages):
        conversations.mark_read_by_customer(thread)
    return render(request, "messaging/thread.html",
                  {"thread": thread, "thread_messages": thread_messages, "form": form})


@require_GET
@customer_required
def attachment(request: CustomerRequest, attachment_id: int) -> FileResponse:
    item = get_object_or_404(Attachment, pk=attachment_id,
                             message__thread__customer=request.customer)
    return attachments.download(item)


@never_cache
@require_http_methods(["GET", "POST"])
def login_help(request: HttpRequest) -> HttpResponse:
    form = LoginHelpForm(request.POST or None)
    if request.method == "POST":
        if not loginhelp.allow_attempt(client_network(request)):
            form.is_valid()  # keep what was typed, with its field errors
            form.add_error(None, _(
                "Trop de demandes envoyées depuis cette connexion. Réessayez dans "
                "10 minutes ou appelez-nous au 058 310 91 11."))
            return render(request, "messaging/login_help.html",
                          {"form": form, "honeypot": HONEYPOT_FIELD}, status=429)
        if form.is_valid():
            reference: str | None
            if request.POST.get(HONEYPOT_FIELD):
                reference = loginhelp.decoy_reference()  # a bot: looks accepted, not stored
            else:
                reference = loginhelp.submit_request(
                    **form.cleaned_data, ip_address=client_ip(request)).reference
            request.session[LOGIN_HELP_REFERENCE] = reference
            return redirect("messaging:login_help_sent")
    return render(request, "messaging/login_help.html",
                  {"form": form, "honeypot": HONEYPOT_FIELD})


@never_cache
@require_GET
def login_help_sent(request: HttpRequest) -> HttpResponse:
    reference = request.session.get(LOGIN_HELP_REFERENCE)
    if not reference:
        return redirect("messaging:login_help")
    return render(request, "messaging/login_help_sent.html", {"reference": reference})

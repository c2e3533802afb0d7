"""The assistant's pages: the shopper's "Talk to a person" and the store's "Hand back to the
assistant" (two buttons on the thread page), the seller's FAQ editor and report (phone-first).
Settings, weekly hours and holidays are edited in the back office (``chat.admin``)."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Store
from chat import selectors
from chat.assistant import finder, handoff, report, services
from chat.assistant.models import KEYWORDS_MAX, QUESTION_MAX, TEXT_MAX, FaqEntry
from chat.models import Conversation, Side


def thread_context(conversation: Conversation, side: str) -> dict:
    """What the thread page shows of the assistant: for the shopper, whether "Talk to a
    person" is offered; for the store, whether the assistant is paused or handed over (and the
    "Hand back" button)."""
    decision = handoff.who_answers(conversation)
    if decision.reason == handoff.OFF:
        return {}
    shopper_with_assistant = side == Side.SHOPPER and decision.assistant
    return {
        "decision": decision,
        "can_ask_person": side == Side.SHOPPER and decision.reason != handoff.HANDOFF,
        "can_hand_back": side == Side.STORE and not decision.assistant,
        # "Help me choose" starts the store's guided finder (a message the assistant answers).
        "finder_client_id": uuid.uuid4().hex
        if shopper_with_assistant and finder.offered(conversation.store_id)
        else "",
    }


def _conversation(request, pk: int) -> Conversation:
    conversation = selectors.conversation_for(user=request.user, pk=pk)
    if conversation is None:
        raise Http404(_("No such conversation."))
    return conversation


def _thread_url(conversation: Conversation) -> str:
    return f"{reverse('chat:thread', kwargs={'pk': conversation.pk})}#composer"


@require_POST
@login_required
def ask_for_person(request, pk: int):
    conversation = _conversation(request, pk)
    try:
        handoff.ask_for_person(conversation=conversation, shopper=request.user)
    except PermissionDenied as exc:
        return render(request, "social/error.html", {"message": str(exc), "status": 403}, status=403)
    return redirect(_thread_url(conversation))


@require_POST
@login_required
def hand_back(request, pk: int):
    conversation = _conversation(request, pk)
    try:
        handoff.hand_back(conversation=conversation, actor=request.user)
    except PermissionDenied as exc:
        return render(request, "social/error.html", {"message": str(exc), "status": 403}, status=403)
    return redirect(_thread_url(conversation))


# --- The seller's pages -------------------------------------------------------------------------


def _seller_store(request) -> Store | None:
    return Store.objects.filter(owner=request.user).first()


def _not_a_seller(request):
    return render(
        request,
        "social/error.html",
        {"message": _("Only a seller with a store has an assistant."), "status": 403},
        status=403,
    )


class FaqForm(forms.Form):
    question = forms.CharField(label=gettext_lazy("Question"), max_length=QUESTION_MAX)
    keywords = forms.CharField(
        label=gettext_lazy("Keywords"),
        max_length=KEYWORDS_MAX,
        required=False,
        help_text=gettext_lazy("Separated by commas. Shorthand and spelling slips are understood."),
    )
    answer = forms.CharField(
        label=gettext_lazy("Answer"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


@login_required
def faq(request):
    """The store's FAQ: its entries and a form to add one (prefilled from the report's
    unanswered questions with ``?question=``)."""
    store = _seller_store(request)
    if store is None:
        return _not_a_seller(request)
    if request.method == "POST":
        form = FaqForm(request.POST)
        if form.is_valid():
            try:
                services.create_faq(store=store, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                return redirect("chat:assistant_faq")
    else:
        form = FaqForm(initial={"question": str(request.GET.get("question", ""))[:QUESTION_MAX]})
    entries = FaqEntry.objects.filter(store=store).order_by("question", "id")
    return render(
        request,
        "chat/assistant/faq.html",
        {"store": store, "form": form, "entries": entries},
        status=400 if form.errors else 200,
    )


@login_required
def faq_entry(request, entry_id: int):
    """Change or delete (``delete=1``) one of the store's entries."""
    store = _seller_store(request)
    if store is None:
        return _not_a_seller(request)
    entry = get_object_or_404(FaqEntry.objects.select_related("store"), pk=entry_id, store=store)
    if request.method == "POST" and request.POST.get("delete") == "1":
        services.delete_faq(entry=entry, actor=request.user)
        return redirect("chat:assistant_faq")
    if request.method == "POST":
        form = FaqForm(request.POST)
        if form.is_valid():
            try:
                services.update_faq(entry=entry, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                return redirect("chat:assistant_faq")
    else:
        form = FaqForm(initial={"question": entry.question, "keywords": entry.keywords, "answer": entry.answer})
    return render(
        request,
        "chat/assistant/faq_entry.html",
        {"store": store, "form": form, "entry": entry},
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def assistant_report(request):
    store = _seller_store(request)
    if store is None:
        return _not_a_seller(request)
    figures = report.assistant_report(store=store)
    settings = services.settings_of(store=store)
    names = _topic_names()
    by_topic = [(names.get(topic, topic), count) for topic, count in figures.by_topic.items()]
    return render(
        request,
        "chat/assistant/report.html",
        {"store": store, "report": figures, "settings": settings, "by_topic": by_topic},
    )


def _topic_names() -> dict[str, str]:
    return {
        "faq": _("Your FAQ"),
        "shipping": _("Shipping"),
        "cod": _("Cash on delivery"),
        "payment": _("Payment"),
        "hours": _("Opening hours"),
        "stock": _("Stock"),
        "price": _("Price"),
        "order": _("Order status"),
    }

"""Chat pages: open a chat (the "Chat" button), a thread with its send form, the shopper's
chats and the store's inbox. Plain HTML over the same services and selectors as the API;
the live socket comes on top of these pages, never instead of them.

A send form carries a client id made when the page was rendered, so a double tap or a
resubmitted form sends the message once.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Product, Store
from chat import card_views, offer_views, order_views, panel_views, selectors, services
from chat.assistant.views import thread_context as assistant_thread_context
from chat.channels import pages as channel_pages
from chat.models import BODY_MAX, CLIENT_ID_MAX, REPORT_NOTE_MAX, Conversation, Label, QuickReply, Report, Side
from chat.selectors import InboxFilters
from chat.services import quick_replies, rules
from checkout.models import Order
from shop import stencil
from shop.cursors import BadCursor
from social.models import Post
from social.ratelimit import RateLimited


class MessageForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("Message"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 2}))
    client_id = forms.CharField(max_length=CLIENT_ID_MAX, widget=forms.HiddenInput)


def _error(request, message: str, status: int, back: str = ""):
    return render(request, "social/error.html", {"message": message, "status": status, "back": back}, status=status)


def _conversation(request, pk: int) -> Conversation:
    conversation = selectors.conversation_for(user=request.user, pk=pk)
    if conversation is None:
        raise Http404(_("No such conversation."))
    return conversation


def _other_name(conversation: Conversation, side: str) -> str:
    return conversation.store.name if side == "shopper" else conversation.shopper.display_name


@require_POST
@login_required
def open_chat(request):
    """The "Chat" button: the shopper's one conversation with the store, opened from what
    the form names (a product, a post or an order)."""
    store = get_object_or_404(Store, slug=str(request.POST.get("store", ""))[:80], is_active=True)
    opened_from = {}
    product, post, order = (request.POST.get(name, "") for name in ("product", "post", "order"))
    try:
        if product:
            opened_from["context_product"] = get_object_or_404(
                Product.objects.visible_to(request.user), slug=product[:160]
            )
        if post:
            opened_from["context_post"] = get_object_or_404(
                Post.objects.visible_to(request.user).select_related("profile"), pk=int(post)
            )
        if order:
            opened_from["context_order"] = get_object_or_404(Order.objects.visible_to(request.user), number=order[:20])
        conversation = services.open_conversation(shopper=request.user, store=store, **opened_from)
    except ValueError:  # a post id that is not a number
        raise Http404 from None
    except PermissionDenied as exc:
        return _error(request, str(exc), 403, store.get_absolute_url())
    except RateLimited as exc:
        return _error(request, exc.message, 429, store.get_absolute_url())
    except ValidationError as exc:
        return _error(request, " ".join(exc.messages), 400, store.get_absolute_url())
    return redirect("chat:thread", pk=conversation.pk)


# What a service refuses with, and how a form on the thread page shows it.
REFUSALS = (ValidationError, PermissionDenied, RateLimited)


def refusal(exc: Exception) -> tuple[str | list[str], int]:
    """The message and HTTP status of a service's refusal (one of ``REFUSALS``)."""
    if isinstance(exc, ValidationError):
        return exc.messages, 400
    if isinstance(exc, RateLimited):
        return exc.message, 429
    return str(exc), 403


def _thread_page(
    request, conversation: Conversation, *, form=None, offer_form=None, panel_forms=None, status: int = 200
):
    side = selectors.side_in(conversation=conversation, user=request.user)
    try:
        page = selectors.thread_messages(conversation=conversation, before=request.GET.get("before"))
    except BadCursor:
        return _error(request, _("This page of the conversation does not exist."), 400)
    blocked = rules.blocked_by(store_id=conversation.store_id, shopper_id=conversation.shopper_id)
    for message in page.items:  # the store's buttons on order cards (in memory: no queries)
        message.order_actions = order_views.order_actions(message.order, side=side) if message.order_id else []
    replies, discount_codes = [], []
    if side == Side.STORE and not blocked:
        # Each saved answer, filled in for this chat, with its own client id: one tap sends it once.
        values = quick_replies.placeholder_values(conversation=conversation)
        replies = [
            (reply.shortcut, quick_replies.fill(text=reply.text, values=values), uuid.uuid4().hex)
            for reply in QuickReply.objects.filter(store_id=conversation.store_id)
        ]
        offer_form = offer_form or offer_views.offer_form(
            conversation, lines=channel_pages.offer_initial(request, conversation, side)
        )
        discount_codes = [(code.code, uuid.uuid4().hex) for code in card_views.usable_codes(conversation.store_id)]
    # The store's people see the buyer beside the thread; the shopper never does.
    panel = panel_views.panel_context(conversation, **(panel_forms or {})) if side == Side.STORE else {}
    return render(
        request,
        "chat/thread.html",
        {
            **panel,
            "conversation": conversation,
            "side": side,
            "other_name": _other_name(conversation, side),
            "messages_page": page,
            "seen_up_to": selectors.other_side_read_up_to(conversation=conversation, side=side),
            "blocked": blocked,
            "form": form or MessageForm(initial={"client_id": uuid.uuid4().hex}),
            "quick_replies": replies,
            # The same, for the composer's "/" picker (static/js/chat.js; escaped by json_script).
            "quick_reply_choices": [{"shortcut": shortcut, "text": text} for shortcut, text, _id in replies],
            "offer_form": offer_form,
            "discount_codes": discount_codes,
            "assistant": assistant_thread_context(conversation, side),
            **channel_pages.thread_context(conversation, side),
        },
        status=status,
    )


@require_GET
@login_required
def thread(request, pk: int):
    conversation = _conversation(request, pk)
    response = _thread_page(request, conversation)
    newest = conversation.last_message_id
    if response.status_code == 200 and newest and not request.GET.get("before"):
        # Opening the thread is reading it: only the viewer's own watermark moves.
        services.mark_read(conversation=conversation, reader=request.user, up_to_message_id=newest)
    return response


@require_GET
@login_required
def messages_after(request, pk: int):
    """The thread's messages after the id ``after``, as the thread page renders them (a
    fragment of ``<li>``; the header ``X-Chat-Has-More: 1`` when there are more): what
    static/js/chat.js appends when the socket says a message came, or after a reconnect."""
    conversation = _conversation(request, pk)
    side = selectors.side_in(conversation=conversation, user=request.user)
    try:
        page = selectors.thread_messages(conversation=conversation, after=request.GET.get("after") or 0)
    except BadCursor:
        return _error(request, _("This page of the conversation does not exist."), 400)
    for message in page.items:  # the store's buttons on order cards, as on the thread page
        message.order_actions = order_views.order_actions(message.order, side=side) if message.order_id else []
    response = render(request, "chat/_messages.html", {**_partial_context(conversation, side), "messages_page": page})
    response["X-Chat-Has-More"] = "1" if page.has_more else "0"
    return response


def _partial_context(conversation: Conversation, side: str) -> dict:
    """What chat/_message.html reads on the thread page, given the same way to its fragments."""
    return {
        "conversation": conversation,
        "side": side,
        "seen_up_to": selectors.other_side_read_up_to(conversation=conversation, side=side),
    }


@require_GET
@login_required
def one_message(request, pk: int, message_id: int):
    """One message of the thread as the thread page renders it (an ``<li>``): what
    static/js/chat.js fetches again when the socket says its card changed
    (``message.updated``). 404 for a conversation that is not the viewer's or a message
    that is not in it."""
    conversation = _conversation(request, pk)
    found = selectors.thread_message(conversation=conversation, message_id=message_id)
    if found is None:
        raise Http404(_("No such message."))
    side = selectors.side_in(conversation=conversation, user=request.user)
    found.order_actions = order_views.order_actions(found.order, side=side) if found.order_id else []
    return render(request, "chat/_message.html", {**_partial_context(conversation, side), "message": found})


@require_POST
@login_required
def send(request, pk: int):
    conversation = _conversation(request, pk)
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _thread_page(request, conversation, form=form, status=400)
    try:
        services.send_message(
            conversation=conversation,
            sender=request.user,
            client_id=form.cleaned_data["client_id"],
            body=form.cleaned_data["body"],
        )
    except REFUSALS as exc:
        message, status = refusal(exc)
        form.add_error(None, message)
        return _thread_page(request, conversation, form=form, status=status)
    return redirect(f"{reverse('chat:thread', kwargs={'pk': conversation.pk})}#composer")


@require_POST
@login_required
def block(request, pk: int):
    """Block (``on=1``) or unblock the other side of the conversation."""
    conversation = _conversation(request, pk)
    if request.POST.get("on") == "1":
        services.block(conversation=conversation, by=request.user)
    else:
        services.unblock(conversation=conversation, by=request.user)
    return redirect("chat:thread", pk=conversation.pk)


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Why are you reporting this chat?"), choices=Report.Reason.choices)
    note = forms.CharField(
        label=gettext_lazy("Anything the staff should know (optional)"),
        required=False,
        max_length=REPORT_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@login_required
def report(request, pk: int):
    """Report the conversation to the site's staff (their queue is in the back office)."""
    conversation = _conversation(request, pk)
    side = selectors.side_in(conversation=conversation, user=request.user)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report(conversation=conversation, reporter=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            return render(request, "chat/reported.html", {"conversation": conversation})
    return render(
        request,
        "chat/report.html",
        {"conversation": conversation, "form": form, "other_name": _other_name(conversation, side)},
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def conversations(request):
    """The shopper's chats with stores (unread first)."""
    try:
        page = selectors.shopper_conversations(shopper=request.user, cursor=request.GET.get("cursor"))
    except BadCursor:
        return _error(request, _("This page does not exist."), 400)
    rows = [(conversation, conversation.store.name, conversation.shopper_unread) for conversation in page.items]
    return render(request, "chat/list.html", {"title": _("Your chats"), "rows": rows, "page": page})


@require_GET
@login_required
def store_inbox(request):
    """The store's inbox: unread first, with the filters of the API."""
    store = Store.objects.filter(owner=request.user).first()
    if store is None:
        return _error(request, _("Only a seller with a store has an inbox."), 403)
    label = str(request.GET.get("label", ""))
    filters = InboxFilters(
        unread=request.GET.get("filter") == "unread",
        waiting=request.GET.get("filter") == "waiting",
        open_order=request.GET.get("filter") == "open_order",
        label_id=int(label) if label.isdigit() and len(label) < 19 else None,
        search=str(request.GET.get("q", ""))[: selectors.SEARCH_MAX],
    )
    try:
        page = selectors.seller_inbox(store=store, filters=filters, cursor=request.GET.get("cursor"))
    except (BadCursor, ValidationError):
        return _error(request, _("This page does not exist."), 400)
    rows = [(conversation, conversation.shopper.display_name, conversation.store_unread) for conversation in page.items]
    return render(
        request,
        "chat/list.html",
        {
            "title": _("Your store's chats"),
            "rows": rows,
            "page": page,
            "inbox": True,
            "filters": filters,
            "labels": list(Label.objects.filter(store=store)),
        },
    )


# --- On lower apps' pages (receivers of their ..._shown signals, connected in ChatConfig) ------


def chat_button(sender: object, *, request, product=None, store=None, order=None, **_kwargs) -> str:
    """The "Chat with the seller" button: under a product's buy box and in the feed's product
    sheet (opened from the product), under each store's lines in the cart, and on the buyer's
    order page (opened from the order). Nothing for the store's own owner, a closed store, a
    product not on sale, or someone else's order (its seller sees the order page too)."""
    return _chat_button(request, product=product, store=store, order=order, with_response_time=False)


def header_link(sender: object, *, request, signed_in: bool, has_store: bool, **_kwargs) -> str:
    """Beside the header's bell: a link to the chats with an unread badge, which
    static/js/chat.js fills (and keeps current over the socket). Part of the cached header,
    so it knows no user: only whether they have a store (the link goes to the inbox)."""
    return render_to_string("chat/on_pages/header_link.html", {"has_store": has_store})


def store_chat_button(sender: object, *, request, store, **_kwargs) -> str:
    """In a store's header: the button and "Usually replies within ..." (one bounded query)."""
    return _chat_button(request, product=None, store=store, order=None, with_response_time=True)


def _chat_button(request, *, product, store, order, with_response_time: bool) -> str:
    if order is not None:
        store = order.store
    store = store or product.store
    if not store.is_active or (product is not None and product.status != Product.Status.ACTIVE):
        return ""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    if signed_in and store.owner_id == user.pk:
        return ""
    if order is not None and not (signed_in and order.buyer_id == user.pk):
        return ""
    usually_replies = ""
    if with_response_time:
        usually_replies = selectors.usually_replies(selectors.response_stats(store=store))
    return render_to_string(
        "chat/on_pages/chat_button.html",
        {
            "store": store,
            "product": product,
            "order": order,
            "next": request.get_full_path() if request else "",
            "usually_replies": usually_replies,
            "csrf_token": stencil.csrf_token(request),
        },
        request=request,
    )

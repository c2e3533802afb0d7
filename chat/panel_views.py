"""The buyer panel beside a thread, for the store's people only (``chat.buyer_panel``): what
the thread page adds for them, its cart fragment (what static/js/chat.js fetches again when the
socket says the buyer's cart changed), and the forms that set the store's labels and private
note through ``services.set_labels`` / ``set_note``.

For the shopper, and for anyone who is not a party, every one of these is a 404: the shopper
never learns what the store notes about them.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from chat import buyer_panel, selectors, services
from chat.models import LABEL_MAX, NOTE_MAX, Conversation, Label, Side


class PanelForm(forms.Form):
    """The panel's forms share the thread page with the composer and the offer form: their
    own ids (``buyer-note``, not ``id_note``), so no label points at another form's field."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "buyer-%s")
        super().__init__(*args, **kwargs)


class LabelsForm(PanelForm):
    labels = forms.MultipleChoiceField(
        label=gettext_lazy("Labels"), required=False, widget=forms.CheckboxSelectMultiple
    )
    new_label = forms.CharField(label=gettext_lazy("Add a label"), required=False, max_length=LABEL_MAX)

    def __init__(self, *args, labels: list[Label], **kwargs):
        super().__init__(*args, **kwargs)
        # Only the store's own labels can be chosen: another store's id is "not a valid choice".
        self.fields["labels"].choices = [(str(label.pk), label.name) for label in labels]
        if not self.is_bound:
            self.initial["labels"] = [str(label.pk) for label in labels if getattr(label, "chosen", False)]


class NoteForm(PanelForm):
    note = forms.CharField(
        label=gettext_lazy("Private note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Only your store sees it."),
    )


def store_conversation(request, pk: int) -> Conversation:
    """The conversation if the user answers for its store; 404 for its shopper and everyone else."""
    from chat.views import _conversation

    conversation = _conversation(request, pk)
    if selectors.side_in(conversation=conversation, user=request.user) != Side.STORE:
        raise Http404(_("No such conversation."))
    return conversation


def panel_context(conversation: Conversation, *, labels_form=None, note_form=None) -> dict:
    """What the thread page shows the store beside the thread (its ``side`` is the store's)."""
    panel = buyer_panel.buyer_panel(conversation=conversation)
    return {
        "buyer_panel": panel,
        "buyer_cart": panel.cart,
        "labels_form": labels_form or LabelsForm(labels=panel.labels),
        "note_form": note_form or NoteForm(initial={"note": panel.note}),
    }


def _back(conversation: Conversation):
    return redirect(f"{reverse('chat:thread', kwargs={'pk': conversation.pk})}#buyer-panel")


def _refused(request, conversation: Conversation, **bound_forms):
    from chat.views import _thread_page

    return _thread_page(request, conversation, panel_forms=bound_forms, status=400)


@require_GET
@login_required
def buyer_cart(request, pk: int):
    """The panel's cart part alone (fetched again live when the buyer's cart changes)."""
    conversation = store_conversation(request, pk)
    return render(
        request,
        "chat/partials/buyer_cart.html",
        {"conversation": conversation, "buyer_cart": buyer_panel.buyer_cart(conversation=conversation)},
    )


@require_POST
@login_required
def set_labels(request, pk: int):
    """Replace the chat's labels with those ticked, plus a new one when named."""
    conversation = store_conversation(request, pk)
    form = LabelsForm(request.POST, labels=list(Label.objects.filter(store_id=conversation.store_id)))
    if not form.is_valid():
        return _refused(request, conversation, labels_form=form)
    label_ids = {int(value) for value in form.cleaned_data["labels"]}
    try:
        with transaction.atomic():
            if name := form.cleaned_data["new_label"]:
                label = services.create_label(store=conversation.store, actor=request.user, name=name)
                label_ids.add(label.pk)
            services.set_labels(conversation=conversation, actor=request.user, label_ids=label_ids)
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return _refused(request, conversation, labels_form=form)
    messages.success(request, _("Labels saved."))
    return _back(conversation)


@require_POST
@login_required
def set_note(request, pk: int):
    conversation = store_conversation(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _refused(request, conversation, note_form=form)
    try:
        services.set_note(conversation=conversation, actor=request.user, note=form.cleaned_data["note"])
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return _refused(request, conversation, note_form=form)
    messages.success(request, _("Note saved."))
    return _back(conversation)

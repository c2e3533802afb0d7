"""Bank transfers: the buyer's proof of transfer (the seller confirms the money arrived with
``services.confirm_transfer``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from checkout.models import Order, OrderStatus, PaymentMethod
from checkout.services.transitions import _locked
from shop.models import User


def upload_transfer_proof(*, order: Order, actor: User | None, image: UploadedFile) -> Order:
    """Attach ``image`` (already verified and re-encoded, see ``shop.images.verify_image``) to
    ``order`` as its proof of transfer, replacing an earlier one. Only the buyer, and only
    while a bank-transfer order waits for its money."""
    with transaction.atomic():
        order = _locked(order)
        if actor is None or not actor.is_authenticated or order.buyer_id != actor.pk:
            raise PermissionDenied(_("Only the buyer can upload the proof of transfer."))
        if order.payment_method != PaymentMethod.BANK_TRANSFER:
            raise ValidationError(_("This order is not paid by bank transfer."), code="not_bank_transfer")
        if order.status != OrderStatus.PENDING_PAYMENT:
            raise ValidationError(
                _("This order is no longer waiting for a transfer (it is %(status)s).")
                % {"status": order.get_status_display().lower()},
                code="not_pending",
            )
        previous = order.transfer_proof.name if order.transfer_proof else ""
        order.transfer_proof.save(image.name or "", image, save=False)
        order.save(update_fields=["transfer_proof"])
        if previous and previous != order.transfer_proof.name:
            storage = order.transfer_proof.storage
            # Once the new one is committed, nothing refers to the old file.
            transaction.on_commit(lambda: storage.delete(previous))
    return order

"""The shopper's address book."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from checkout.models import Address
from shop.models import User

ADDRESS_FIELDS = ("label", "recipient", "phone", "street", "district", "city", "province", "postal_code")
MAX_ADDRESSES = 20


def _normalise_phone(phone: str) -> str:
    phone = "".join(ch for ch in (phone or "") if ch.isdigit() or ch == "+")
    if phone.startswith("+62"):
        return "0" + phone[3:]
    if phone.startswith("62"):
        return "0" + phone[2:]
    return phone


def _fill(address: Address, data: dict) -> None:
    for name in ADDRESS_FIELDS:
        if name in data:
            value = data[name]
            setattr(address, name, value.strip() if isinstance(value, str) else value)
    address.phone = _normalise_phone(address.phone)
    address.full_clean(exclude=["user"])


@transaction.atomic
def create_address(*, user: User, data: dict, make_default: bool = False) -> Address:
    if Address.objects.filter(user=user).count() >= MAX_ADDRESSES:
        raise ValidationError(
            _("Your address book is full (%(max)d addresses). Delete one first.") % {"max": MAX_ADDRESSES}
        )
    address = Address(user=user)
    _fill(address, data)
    first = not Address.objects.filter(user=user).exists()
    address.save()
    if make_default or first:
        set_default_address(user=user, address=address)
    return address


@transaction.atomic
def update_address(*, address: Address, data: dict) -> Address:
    _fill(address, data)
    address.save()
    return address


@transaction.atomic
def set_default_address(*, user: User, address: Address) -> Address:
    if address.user_id != user.pk:
        raise ValidationError(_("No such address."), code="not_found")
    Address.objects.filter(user=user, is_default=True).exclude(pk=address.pk).update(is_default=False)
    Address.objects.filter(pk=address.pk).update(is_default=True)
    address.is_default = True
    return address


@transaction.atomic
def delete_address(*, address: Address) -> None:
    """Delete ``address``; orders keep their own copy. The newest other one becomes default."""
    user, was_default = address.user, address.is_default
    address.delete()
    if was_default:
        other = Address.objects.filter(user=user).order_by("-created_at", "-id").first()
        if other is not None:
            set_default_address(user=user, address=other)

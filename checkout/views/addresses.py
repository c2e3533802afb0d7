"""The shopper's address book.

Routes (namespace ``checkout``), all for signed-in shoppers, each on their own addresses
only (another person's address is a 404, the same as one that does not exist):

- ``addresses/`` ``addresses``: the list, the default first.
- ``addresses/new/`` ``address_create``: ``?next=`` (a path on this site, such as the
  checkout page) is where to go once it is saved.
- ``addresses/<pk>/edit/`` ``address_edit``: takes ``?next=`` too.
- ``addresses/<pk>/delete/`` ``address_delete`` (POST).
- ``addresses/<pk>/default/`` ``address_default`` (POST).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from checkout import services
from checkout.forms import AddressForm
from checkout.models import Address
from checkout.services.addresses import MAX_ADDRESSES
from shop import htmx


def _safe_next(request) -> str:
    """The ``next`` sent with the request if it points into this site, else ``""``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


# After logging in, a POST-only address would answer 405: the address book instead.
login_required = htmx.login_required(after_post="checkout:addresses")


def _own_address(request, pk: int) -> Address:
    return get_object_or_404(Address, pk=pk, user=request.user)


@require_GET
@login_required
def address_list(request):
    addresses = list(Address.objects.filter(user=request.user))
    return render(
        request,
        "checkout/addresses.html",
        {"addresses": addresses, "full": len(addresses) >= MAX_ADDRESSES, "max_addresses": MAX_ADDRESSES},
    )


def _address_form_page(request, form: AddressForm, *, address: Address | None, next_url: str):
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "checkout/address_form.html",
        {"form": form, "address": address, "next": next_url, "back": next_url or reverse("checkout:addresses")},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def address_create(request):
    next_url = _safe_next(request)
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            address = services.create_address(
                user=request.user, data=form.service_data(), make_default=form.cleaned_data.get("make_default", False)
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Address saved: %(address)s.") % {"address": address})
            return redirect(next_url or "checkout:addresses")
    return _address_form_page(request, form, address=None, next_url=next_url)


@require_http_methods(["GET", "POST"])
@login_required
def address_edit(request, pk: int):
    address = _own_address(request, pk)
    next_url = _safe_next(request)
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        try:
            address = services.update_address(address=address, data=form.service_data())
            if form.cleaned_data.get("make_default"):
                services.set_default_address(user=request.user, address=address)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Address saved: %(address)s.") % {"address": address})
            return redirect(next_url or "checkout:addresses")
    return _address_form_page(request, form, address=address, next_url=next_url)


@require_POST
@login_required
def address_delete(request, pk: int):
    address = _own_address(request, pk)
    services.delete_address(address=address)
    messages.success(request, _("Address deleted. Orders already placed keep their own copy."))
    return redirect(_safe_next(request) or "checkout:addresses")


@require_POST
@login_required
def address_default(request, pk: int):
    address = _own_address(request, pk)
    services.set_default_address(user=request.user, address=address)
    messages.success(request, _("%(address)s is now your default address.") % {"address": address})
    return redirect(_safe_next(request) or "checkout:addresses")


urlpatterns = [
    path("addresses/", address_list, name="addresses"),
    path("addresses/new/", address_create, name="address_create"),
    path("addresses/<int:pk>/edit/", address_edit, name="address_edit"),
    path("addresses/<int:pk>/delete/", address_delete, name="address_delete"),
    path("addresses/<int:pk>/default/", address_default, name="address_default"),
]

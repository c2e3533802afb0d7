"""Every write checkout makes: carts, addresses, placing orders and moving them on."""

from checkout.services.addresses import create_address, delete_address, set_default_address, update_address
from checkout.services.carts import (
    accept_current_prices,
    add_to_cart,
    adopt_visitor_cart,
    cart_for_user,
    merge_carts,
    remove_line,
    set_line_quantity,
    visitor_cart,
)
from checkout.services.placing import PlacedCheckout, earlier_checkout, place_order
from checkout.services.sources import CheckoutSource, DirectItem, cart_quote, direct_item, quote_for
from checkout.services.transfers import upload_transfer_proof
from checkout.services.transitions import (
    TRANSITIONS,
    can_transition,
    cancel_order,
    complete_delivered_orders,
    confirm_receipt,
    confirm_transfer,
    expire_order,
    expire_unpaid_orders,
    mark_delivered,
    mark_refused,
    mark_shipped,
    next_states,
    record_card_payment,
    record_refund,
)
from checkout.terms import SpecialTerms, TermsLine

__all__ = [
    "TRANSITIONS",
    "CheckoutSource",
    "DirectItem",
    "PlacedCheckout",
    "SpecialTerms",
    "TermsLine",
    "accept_current_prices",
    "add_to_cart",
    "adopt_visitor_cart",
    "can_transition",
    "cancel_order",
    "cart_for_user",
    "cart_quote",
    "complete_delivered_orders",
    "confirm_receipt",
    "confirm_transfer",
    "create_address",
    "delete_address",
    "direct_item",
    "earlier_checkout",
    "expire_order",
    "expire_unpaid_orders",
    "mark_delivered",
    "mark_refused",
    "mark_shipped",
    "merge_carts",
    "next_states",
    "place_order",
    "quote_for",
    "record_card_payment",
    "record_refund",
    "remove_line",
    "set_default_address",
    "set_line_quantity",
    "update_address",
    "upload_transfer_proof",
    "visitor_cart",
]

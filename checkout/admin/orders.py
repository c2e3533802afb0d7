"""The seller's orders: a read-only record they move on with buttons, plus printable documents.

An order is never edited in a form. Each step (confirm a transfer, ship, deliver, refuse,
cancel, refund) is a button leading to a confirmation page whose POST calls one service
(``checkout.admin.order_actions``). Another store's order answers 404 everywhere, its
buttons and documents included.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.admin.scoping import StoreScopedAdminMixin, sees_all_stores, with_store_column
from checkout.admin.order_actions import (
    CONFIRM_TRANSFER,
    DELIVER,
    ORDER_ACTIONS,
    OrderAction,
    form_errors_from,
)
from checkout.admin.todo import OrderChoreFilter
from checkout.models import Order, OrderEvent, OrderLine, PaymentMethod
from shop.money import format_money

# --- Inlines: the lines and the timeline, to look at ----------------------------------------


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("product_title", "variant_label", "sku", "unit_price_display", "quantity", "line_total_display")
    readonly_fields = fields
    verbose_name = _("line")
    verbose_name_plural = _("lines")

    @admin.display(description=_("unit price"))
    def unit_price_display(self, obj):
        return format_money(obj.unit_price, obj.order.currency)

    @admin.display(description=_("total"))
    def line_total_display(self, obj):
        return format_money(obj.line_total, obj.order.currency)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order")


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "from_status", "to_status", "who", "note")
    readonly_fields = fields
    verbose_name = _("step")
    verbose_name_plural = _("timeline")

    @admin.display(description=_("by"))
    def who(self, obj):
        return obj.actor or _("Etalase (automatic)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


# --- Orders -----------------------------------------------------------------------------


def money_display(field: str, description):
    """A read-only column or field showing ``field`` as money in the order's currency."""

    @admin.display(description=description, ordering=field)
    def display(self, obj):
        return format_money(getattr(obj, field), obj.currency)

    display.__name__ = f"{field}_display"
    return display


@admin.register(Order)
class OrderAdmin(StoreScopedAdminMixin, admin.ModelAdmin):
    """The orders of the seller's store. Read only: the seller acts through the buttons."""

    store_path = "store"
    change_form_template = "admin/checkout/order/change_form.html"
    list_display = ("number", "placed_at", "buyer_display", "status", "payment_method", "total_display")
    list_display_links = ("number",)
    list_filter = (OrderChoreFilter, "status", "payment_method")
    list_select_related = ("buyer", "store")
    search_fields = ("number", "buyer__email", "ship_recipient")
    date_hierarchy = "placed_at"
    ordering = ("-placed_at", "-id")
    inlines = (OrderLineInline, OrderEventInline)
    actions = ("confirm_transfers", "mark_delivered")

    subtotal_display = money_display("subtotal", _("subtotal"))
    shipping_display = money_display("shipping", _("shipping"))
    cod_fee_display = money_display("cod_fee", _("cash on delivery fee"))
    unique_code_display = money_display("unique_code", _("unique code"))
    total_display = money_display("total", _("total"))
    refunded_display = money_display("refunded_amount", _("refunded"))

    readonly_fields = (
        "number",
        "store",
        "buyer_display",
        "status",
        "payment_method",
        "buyer_note",
        "placed_at",
        "expires_at",
        "paid_at",
        "shipped_at",
        "delivered_at",
        "completed_at",
        "closed_at",
        "ship_to",
        "carrier",
        "tracking_number",
        "subtotal_display",
        "shipping_display",
        "discount_display",
        "cod_fee_display",
        "unique_code_display",
        "total_display",
        "refunded_display",
        "bank_account",
        "transfer_proof_display",
    )

    def get_fieldsets(self, request, obj=None):
        order = ["number", "buyer_display", "status", "payment_method", "buyer_note"]
        if sees_all_stores(request):
            order.insert(1, "store")
        amounts = ["subtotal_display", "shipping_display", "discount_display", "cod_fee_display"]
        if obj is not None and obj.payment_method == PaymentMethod.BANK_TRANSFER:
            amounts.append("unique_code_display")
        amounts.append("total_display")
        if obj is not None and obj.refunded_amount:
            amounts.append("refunded_display")
        fieldsets = [
            (None, {"fields": order}),
            (_("Ship to"), {"fields": ["ship_to", "carrier", "tracking_number"]}),
            (_("Amounts"), {"fields": amounts}),
        ]
        if obj is not None and obj.payment_method == PaymentMethod.BANK_TRANSFER:
            fieldsets.append((_("Bank transfer"), {"fields": ["bank_account", "transfer_proof_display"]}))
        fieldsets.append(
            (
                _("Dates"),
                {
                    "fields": [
                        "placed_at",
                        "expires_at",
                        "paid_at",
                        "shipped_at",
                        "delivered_at",
                        "completed_at",
                        "closed_at",
                    ]
                },
            )
        )
        return fieldsets

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="number")

    def get_list_filter(self, request):
        # A store filter would list every store's name: superusers only.
        return with_store_column(request, self.list_filter, after="payment_method")

    def get_search_fields(self, request):
        if sees_all_stores(request):
            return (*self.search_fields, "store__name")
        return self.search_fields

    # --- Permissions: looked at, never edited, added or deleted -------------------------

    def has_add_permission(self, request):
        return False  # orders are placed by buyers at checkout

    def has_delete_permission(self, request, obj=None):
        return False  # an order is a record: it is cancelled or refunded, never deleted

    def has_change_permission(self, request, obj=None):
        # The change list's actions need it; an order's own page is read only (saving it
        # would write back a status a service may have changed meanwhile).
        return obj is None and super().has_change_permission(request, obj)

    def may_act(self, request, order: Order) -> bool:
        """Whether the user may press ``order``'s buttons (the service checks again)."""
        return super().has_change_permission(request, None) and self.in_scope(request, order)

    # --- Columns and fields ---------------------------------------------------------------

    @admin.display(description=_("buyer"), ordering="buyer__username")
    def buyer_display(self, obj):
        return format_html("{} &lt;{}&gt;", obj.buyer.display_name, obj.buyer.email)

    @admin.display(description=_("discount"))
    def discount_display(self, obj):
        amount = format_money(obj.discount, obj.currency)
        if obj.discount and obj.discount_code_id:
            return format_html("{} ({})", amount, obj.discount_code.code)
        return amount

    @admin.display(description=_("address"))
    def ship_to(self, obj):
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in obj.shipping_lines))

    @admin.display(description=_("transfer to"))
    def bank_account(self, obj):
        if not obj.bank_account_number:
            return self.get_empty_value_display()
        return format_html("{} {} ({})", obj.bank_name, obj.bank_account_number, obj.bank_account_holder)

    @admin.display(description=_("proof of transfer"))
    def transfer_proof_display(self, obj):
        if not obj.transfer_proof:
            return _("The buyer has not uploaded a proof of transfer.")
        url = reverse("checkout:order_transfer_proof_image", kwargs={"number": obj.number})  # checks permission
        return format_html(
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="{}" height="240" loading="lazy"></a>',
            url,
            url,
            _("Proof of transfer for order %(number)s") % {"number": obj.number},
        )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("buyer", "store", "discount_code")

    # --- The change page: buttons for what can happen next ------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self.order_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def order_context(self, request, order: Order) -> dict:
        buttons = []
        if self.may_act(request, order):
            buttons = [
                {"label": action.label, "url": self.action_url(action, order), "dangerous": action.dangerous}
                for action in ORDER_ACTIONS
                if action.applies_to(order)
            ]
        return {
            "order_buttons": buttons,
            "packing_slip_url": reverse("admin:checkout_order_packing_slip", args=[order.pk]),
            "invoice_url": reverse("admin:checkout_order_invoice", args=[order.pk]),
        }

    def action_url(self, action: OrderAction, order: Order) -> str:
        return reverse(f"admin:{action.url_name}", args=[order.pk])

    def get_urls(self):
        wrap = self.admin_site.admin_view
        urls = [
            path("<path:object_id>/packing-slip/", wrap(self.packing_slip_view), name="checkout_order_packing_slip"),
            path("<path:object_id>/invoice/", wrap(self.invoice_view), name="checkout_order_invoice"),
        ]
        for action in ORDER_ACTIONS:
            urls.append(path(f"<path:object_id>/{action.slug}/", wrap(self.action_view(action)), name=action.url_name))
        # Before the admin's own: its "<object_id>/" catch-all would take these paths.
        return urls + super().get_urls()

    def scoped_order(self, request, object_id: str) -> Order:
        """The order, if it is the user's to see; another store's order does not exist here."""
        order = self.get_object(request, unquote(object_id))
        if order is None:
            raise Http404(_("No order with this ID."))
        if not self.has_view_permission(request, order):
            raise PermissionDenied
        return order

    def action_view(self, action: OrderAction):
        def view(request, object_id):
            return self.perform_action(request, object_id, action)

        view.__name__ = f"order_{action.url_name}_view"
        return view

    def perform_action(self, request, object_id: str, action: OrderAction):
        order = self.scoped_order(request, object_id)
        if not self.may_act(request, order):
            raise PermissionDenied
        change_url = reverse("admin:checkout_order_change", args=[order.pk])
        number = {"number": order.number}
        if request.method == "POST":
            form = action.form_class(request.POST)
            if form.is_valid():
                try:
                    action.perform(order, request.user, form.cleaned_data)
                except PermissionDenied as exc:
                    self.message_user(request, str(exc) or gettext("You may not change this order."), messages.ERROR)
                    return HttpResponseRedirect(change_url)
                except ValidationError as exc:
                    if not form_errors_from(exc, form):
                        self.message_user(request, " ".join(exc.messages), messages.ERROR)
                        return HttpResponseRedirect(change_url)
                else:
                    self.message_user(request, action.done % number, messages.SUCCESS)
                    return HttpResponseRedirect(change_url)
        else:
            if not action.applies_to(order):
                message = gettext("Order %(number)s is %(status)s: “%(action)s” does not apply to it now.") % {
                    **number,
                    "status": order.get_status_display().lower(),
                    "action": action.label,
                }
                self.message_user(request, message, messages.WARNING)
                return HttpResponseRedirect(change_url)
            form = action.form_class()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": action.question % number,
            "subtitle": None,
            "order": order,
            "action": action,
            "explanation": action.explanation_for(order),
            "form": form,
            "change_url": change_url,
            "carriers": getattr(form, "carriers", ()),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/checkout/order/action_confirmation.html", context)

    # --- Printable documents --------------------------------------------------------------

    def packing_slip_view(self, request, object_id):
        return self.render_document(request, object_id, "admin/checkout/order/packing_slip.html")

    def invoice_view(self, request, object_id):
        return self.render_document(request, object_id, "admin/checkout/order/invoice.html")

    def render_document(self, request, object_id: str, template: str):
        order = self.scoped_order(request, object_id)
        context = {
            "order": order,
            "store": order.store,
            "lines": list(order.lines.all()),
            "change_url": reverse("admin:checkout_order_change", args=[order.pk]),
        }
        return TemplateResponse(request, template, context)

    # --- Bulk actions in the change list --------------------------------------------------

    @admin.action(description=_("Confirm the bank transfers of the selected orders"), permissions=["change"])
    def confirm_transfers(self, request, queryset):
        self.perform_in_bulk(request, queryset, CONFIRM_TRANSFER)

    @admin.action(description=_("Mark the selected orders delivered"), permissions=["change"])
    def mark_delivered(self, request, queryset):
        self.perform_in_bulk(request, queryset, DELIVER)

    def perform_in_bulk(self, request, queryset, action: OrderAction) -> None:
        """Apply ``action`` to each selected order on its own; say what happened to each.

        The queryset is the change list's, so it holds only the seller's own orders. Each
        order is its own transaction: one that cannot move does not stop the others.
        """
        for order in queryset.order_by("pk"):
            try:
                action.perform(order, request.user, {})
            except (PermissionDenied, ValidationError) as exc:
                reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                message = gettext("Order %(number)s was not changed: %(reason)s") % {
                    "number": order.number,
                    "reason": reason,
                }
                self.message_user(request, message, messages.WARNING)
            else:
                self.message_user(request, action.done % {"number": order.number}, messages.SUCCESS)

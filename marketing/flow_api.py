"""Flows in the API, under /api/v1/marketing/: the seller's own store's flows, their emails
(steps), the report per email and the products' usage tips (a shopper, or a seller without a
store, gets 403; another store's flow, email or product is a 404). Same services and reads as
the pages: ``marketing.flows.services``, ``figures`` and ``tracking``."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from catalog.models import Product, Store
from marketing.api import MarketingAPIView
from marketing.campaign_api import _django_errors
from marketing.campaign_models import PREHEADER_MAX, SUBJECT_MAX
from marketing.flow_models import TIPS_MAX, Flow, FlowStep, ProductTips
from marketing.flows import figures, services, tracking
from shop.api import SafeJSONField, error_responses

ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The id."))
PRODUCT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The product's id."))


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT


class FlowStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = FlowStep
        fields = ["id", "flow", "position", "delay_hours", "subject", "preheader", "blocks"]
        read_only_fields = fields


class FlowFiguresSerializer(serializers.Serializer):
    enrolled = serializers.IntegerField(help_text=_("People who entered the flow."))
    active = serializers.IntegerField(help_text=_("In it now."))
    completed = serializers.IntegerField(help_text=_("Got every email."))
    exited = serializers.IntegerField(help_text=_("Left it early (ordered, unsubscribed, ...)."))
    sent = serializers.IntegerField()
    clicked = serializers.IntegerField()
    orders = serializers.IntegerField()
    revenue = serializers.IntegerField(help_text=_("In minor units."))


class FlowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Flow.Kind.choices)
    name = serializers.CharField(help_text=_("The kind, in words."))
    description = serializers.CharField(help_text=_("What the flow does, in one sentence."))
    enabled = serializers.BooleanField()
    inactive_days = serializers.IntegerField(help_text=_("Win-back: days since the last paid order."))
    cooldown_days = serializers.IntegerField(help_text=_("Not entered again for this many days."))
    steps = FlowStepSerializer(many=True)
    figures = FlowFiguresSerializer()


def flow_data(flow: Flow, steps: list[FlowStep], flow_figures: figures.FlowFigures) -> dict:
    return {
        "id": flow.pk,
        "kind": flow.kind,
        "name": flow.get_kind_display(),
        "description": figures.describe(flow),
        "enabled": flow.enabled,
        "inactive_days": flow.inactive_days,
        "cooldown_days": flow.cooldown_days,
        "steps": FlowStepSerializer(steps, many=True).data,
        "figures": FlowFiguresSerializer(flow_figures).data,
    }


class FlowUpdateSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(required=False)
    inactive_days = serializers.IntegerField(required=False, min_value=1, max_value=services.MAX_DAYS)
    cooldown_days = serializers.IntegerField(required=False, min_value=1, max_value=services.MAX_DAYS)


class StepInputSerializer(serializers.Serializer):
    delay_hours = serializers.IntegerField(
        min_value=0,
        max_value=services.MAX_DELAY_HOURS,
        help_text=_("The wait: after the trigger (first email) or after the email before."),
    )
    subject = serializers.CharField(max_length=SUBJECT_MAX)
    preheader = serializers.CharField(max_length=PREHEADER_MAX, required=False, allow_blank=True, default="")
    blocks = SafeJSONField(
        help_text=_(
            "Blocks in order: text, picture, products (your product ids), discount (a code), button, and those "
            'filled when the email is sent: {"type": "trigger_products"}, {"type": "tips"}, {"type": "also_like"}.'
        )
    )


class MoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=[("up", _("up")), ("down", _("down"))])


class ExitSerializer(serializers.Serializer):
    reason = serializers.CharField()
    count = serializers.IntegerField()


class StepReportSerializer(serializers.Serializer):
    step = serializers.IntegerField(help_text=_("The email's id."))
    position = serializers.IntegerField()
    subject = serializers.CharField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField(help_text=_("Refused by the mail server."))
    interrupted = serializers.IntegerField(help_text=_("Interrupted and not sent again."))
    clicked = serializers.IntegerField()
    orders = serializers.IntegerField()
    revenue = serializers.IntegerField(help_text=_("In minor units."))
    exited = serializers.IntegerField(help_text=_("Left the flow while waiting for this email."))
    exits = ExitSerializer(many=True, help_text=_("Those who left, by reason."))


class TipsSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField(help_text=_("Empty: no tips for this product."))
    updated_at = serializers.DateTimeField(allow_null=True)


class TipsInputSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=TIPS_MAX, allow_blank=True, help_text=_("Plain text (no HTML). Empty: remove the tips.")
    )


def tips_data(product: Product, tips: ProductTips | None) -> dict:
    return {
        "product": product.pk,
        "title": product.title,
        "text": tips.text if tips is not None else "",
        "updated_at": tips.updated_at if tips is not None else None,
    }


class FlowAPIView(MarketingAPIView):
    def flow(self) -> Flow:
        flow = Flow.objects.filter(store=self.store(), pk=int(self.kwargs["pk"])).select_related("store").first()
        if flow is None:
            raise Http404
        return flow

    def step(self) -> FlowStep:
        step = (
            FlowStep.objects.filter(flow__store=self.store(), pk=int(self.kwargs["pk"]))
            .select_related("flow__store")
            .first()
        )
        if step is None:
            raise Http404
        return step

    def one_flow(self, flow: Flow) -> dict:
        steps = list(flow.steps.order_by("position"))
        numbers = figures.flow_figures(store=flow.store, flow=flow).get(flow.pk, figures.FlowFigures())
        return flow_data(flow, steps, numbers)


class FlowsView(FlowAPIView):
    @extend_schema(
        operation_id="marketing_flows_list",
        summary=_("Your flows (automatic emails)"),
        description=_(
            "The flows of your store (six: made, switched off, when the store was opened), with their emails "
            "and figures. A store opened before flows existed has none until you set them up (POST)."
        ),
        responses={200: FlowSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        return Response(self._rows(self.store()))

    @extend_schema(
        operation_id="marketing_flows_set_up",
        summary=_("Set up your flows"),
        description=_(
            "Makes the store's missing flows (switched off, with ready-made emails; those already there are "
            "kept as they are) and returns all six. No body."
        ),
        request=None,
        responses={200: FlowSerializer(many=True), **error_responses(401, 403)},
    )
    def post(self, request):
        store = self.store()
        services.set_up_flows(store=store)
        return Response(self._rows(store))

    def _rows(self, store: Store) -> list[dict]:
        rows = figures.store_flow_rows(store=store)
        return [flow_data(row.flow, row.steps, row.figures) for row in rows]


class FlowDetailView(FlowAPIView):
    @extend_schema(
        summary=_("A flow"), parameters=[ID], responses={200: FlowSerializer, **error_responses(401, 403, 404)}
    )
    def get(self, request, pk):
        return Response(self.one_flow(self.flow()))

    @extend_schema(
        summary=_("Switch a flow on or off, change its settings"),
        parameters=[ID],
        request=FlowUpdateSerializer,
        responses={200: FlowSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, pk):
        flow = self.flow()
        body = FlowUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            flow = services.update_flow(flow=flow, **body.validated_data)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(self.one_flow(flow))


class FlowReportView(FlowAPIView):
    @extend_schema(
        summary=_("A flow's report, per email"),
        parameters=[ID],
        responses={200: StepReportSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, pk):
        flow = self.flow()
        exits = figures.exits_by_step(flow=flow)
        rows = [
            {
                "step": row.step.pk,
                "position": row.step.position,
                "subject": row.step.subject,
                "sent": row.sent,
                "failed": row.failed,
                "interrupted": row.interrupted,
                "clicked": row.clicked,
                "orders": row.orders,
                "revenue": row.revenue,
                "exited": row.exited,
                "exits": [{"reason": label, "count": n} for label, n in exits.get(row.step.position, [])],
            }
            for row in tracking.flow_report(flow)
        ]
        return Response(StepReportSerializer(rows, many=True).data)


class FlowStepsView(FlowAPIView):
    @extend_schema(
        operation_id="marketing_flows_steps_list",
        summary=_("A flow's emails, in order"),
        parameters=[ID],
        responses={200: FlowStepSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, pk):
        return Response(FlowStepSerializer(self.flow().steps.order_by("position"), many=True).data)

    @extend_schema(
        summary=_("Add an email at the end of a flow"),
        parameters=[ID],
        request=StepInputSerializer,
        responses={201: FlowStepSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk):
        flow = self.flow()
        body = StepInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            step = services.save_step(flow=flow, **body.validated_data)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(FlowStepSerializer(step).data, status=status.HTTP_201_CREATED)


class FlowStepDetailView(FlowAPIView):
    @extend_schema(
        summary=_("An email of a flow"),
        parameters=[ID],
        responses={200: FlowStepSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk):
        return Response(FlowStepSerializer(self.step()).data)

    @extend_schema(
        summary=_("Change an email of a flow"),
        parameters=[ID],
        request=StepInputSerializer,
        responses={200: FlowStepSerializer, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request, pk):
        step = self.step()
        body = StepInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            step = services.save_step(flow=step.flow, step=step, **body.validated_data)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(FlowStepSerializer(step).data)

    @extend_schema(
        summary=_("Remove an email of a flow (and its figures)"),
        description=_("A flow keeps at least one email: removing the last one is a 409."),
        parameters=[ID],
        responses={204: OpenApiResponse(description=_("Removed.")), **error_responses(401, 403, 404, 409)},
    )
    def delete(self, request, pk):
        try:
            services.remove_step(step=self.step())
        except DjangoValidationError as exc:
            raise Conflict(" ".join(exc.messages)) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class FlowStepMoveView(FlowAPIView):
    @extend_schema(
        summary=_("Move an email of a flow up or down"),
        description=_("Swaps it with the email before or after it; the first cannot go up, the last not down."),
        parameters=[ID],
        request=MoveSerializer,
        responses={200: FlowStepSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk):
        step = self.step()
        body = MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.move_step(step=step, up=body.validated_data["direction"] == "up")
        return Response(FlowStepSerializer(step.flow.steps.order_by("position"), many=True).data)


class FlowStepTestView(FlowAPIView):
    @extend_schema(
        summary=_("Send an email of a flow to yourself"),
        description=_("With your newest product standing for the trigger's; nothing is recorded."),
        parameters=[ID],
        request=None,
        responses={204: OpenApiResponse(description=_("Sent.")), **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk):
        step = self.step()
        if not request.user.email:
            raise serializers.ValidationError(_("Your account has no email address to send the test to."))
        services.send_test(step=step, to=request.user.email)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductTipsListView(FlowAPIView):
    @extend_schema(
        operation_id="marketing_product_tips_list",
        summary=_("Your products' usage tips (sent after delivery)"),
        description=_("Only the products that have tips."),
        responses={200: TipsSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        rows = ProductTips.objects.filter(store=self.store()).select_related("product").order_by("-product_id")
        return Response(TipsSerializer([tips_data(row.product, row) for row in rows], many=True).data)


class ProductTipsView(FlowAPIView):
    def product(self) -> Product:
        product = (
            Product.objects.filter(store=self.store(), pk=int(self.kwargs["pk"]))
            .select_related("marketing_tips")
            .first()
        )
        if product is None:
            raise Http404
        return product

    @extend_schema(
        summary=_("A product's usage tips"),
        parameters=[PRODUCT_ID],
        responses={200: TipsSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk):
        product = self.product()
        return Response(TipsSerializer(tips_data(product, getattr(product, "marketing_tips", None))).data)

    @extend_schema(
        summary=_("Set a product's usage tips"),
        parameters=[PRODUCT_ID],
        request=TipsInputSerializer,
        responses={200: TipsSerializer, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request, pk):
        product = self.product()
        body = TipsInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            tips = services.save_tips(store=product.store, product=product, text=body.validated_data["text"])
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(TipsSerializer(tips_data(product, tips)).data)

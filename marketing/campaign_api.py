"""Campaigns and segments in the API, under /api/v1/marketing/: the seller's own store's only
(a shopper, or a seller without a store, gets 403; another store's campaign is a 404). Same
services as the pages: ``marketing.campaigns.services`` and ``engine``."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from marketing.api import MarketingAPIView
from marketing.campaign_models import NAME_MAX, PREHEADER_MAX, SUBJECT_MAX, Campaign, Segment
from marketing.campaigns import engine, services, tracking
from marketing.campaigns.segments import segment_count, store_segments, validate_rules
from shop.api import error_responses

ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The id."))


def _django_errors(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "message_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError(exc.messages)


class SegmentSerializer(serializers.ModelSerializer):
    count = serializers.SerializerMethodField(help_text=_("Mailable contacts in it now."))

    class Meta:
        model = Segment
        fields = ["id", "name", "rules", "created_at", "count"]
        read_only_fields = ["id", "created_at", "count"]

    def get_count(self, segment) -> int:
        return segment_count(store=segment.store, rules=segment.rules)


class SegmentInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX)
    rules = serializers.JSONField(
        help_text=_(
            'A list of rules that must all hold, e.g. [{"kind": "follows_never_bought"}, '
            '{"kind": "spent_over", "amount": 5000000}].'
        )
    )


class RulesSerializer(serializers.Serializer):
    rules = serializers.JSONField()


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class CampaignSerializer(serializers.ModelSerializer):
    ab_winner = serializers.CharField(read_only=True, help_text=_('"a", "b", or empty until the A/B test is decided.'))

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "subject",
            "preheader",
            "blocks",
            "segment",
            "subject_b",
            "ab_test_percent",
            "ab_wait_minutes",
            "ab_winner",
            "state",
            "scheduled_at",
            "started_at",
            "finished_at",
            "paused_reason",
            "created_at",
        ]
        read_only_fields = fields


class CampaignInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX, required=False, allow_blank=True)
    subject = serializers.CharField(max_length=SUBJECT_MAX)
    preheader = serializers.CharField(max_length=PREHEADER_MAX, required=False, allow_blank=True)
    blocks = serializers.JSONField(
        required=False,
        help_text=_("Blocks in order: text, picture, products (your product ids), discount (a code), button."),
    )
    segment = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**53)
    subject_b = serializers.CharField(max_length=SUBJECT_MAX, required=False, allow_blank=True)
    ab_test_percent = serializers.IntegerField(required=False, min_value=2, max_value=100)
    ab_wait_minutes = serializers.IntegerField(required=False, min_value=1, max_value=7 * 24 * 60)


class ScheduleSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text=_("When to send (in the future)."))


class ReportSerializer(serializers.Serializer):
    recipients = serializers.IntegerField()
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    bounced = serializers.IntegerField()
    complained = serializers.IntegerField()
    opened = serializers.IntegerField(help_text=_("Unreliable: images are blocked or fetched by proxies."))
    clicked = serializers.IntegerField()
    unsubscribed = serializers.IntegerField()
    skipped = serializers.IntegerField()
    failed = serializers.IntegerField()
    interrupted = serializers.IntegerField()
    queued = serializers.IntegerField()
    orders = serializers.IntegerField()
    revenue = serializers.IntegerField()


class CampaignAPIView(MarketingAPIView):
    def campaign(self) -> Campaign:
        campaign = (
            Campaign.objects.filter(store=self.store(), pk=int(self.kwargs["pk"])).select_related("store").first()
        )
        if campaign is None:
            raise Http404
        return campaign

    def segment(self) -> Segment:
        segment = store_segments(self.store()).filter(pk=int(self.kwargs["pk"])).first()
        if segment is None:
            raise Http404
        return segment

    def campaign_data(self, store, data: dict) -> dict:
        data = dict(data)
        if "segment" in data:
            pk = data["segment"]
            data["segment"] = store_segments(store).filter(pk=pk).first() if pk else None
            if pk and data["segment"] is None:
                raise serializers.ValidationError({"segment": [_("Choose one of your own segments.")]})
        return data


class SegmentsView(CampaignAPIView):
    @extend_schema(
        operation_id="marketing_segments_list",
        summary=_("Your saved segments"),
        responses={200: SegmentSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        return Response(SegmentSerializer(store_segments(self.store()), many=True).data)

    @extend_schema(
        summary=_("Save a segment"),
        request=SegmentInputSerializer,
        responses={201: SegmentSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        store = self.store()
        body = SegmentInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            segment = services.save_segment(store=store, **body.validated_data)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(SegmentSerializer(segment).data, status=status.HTTP_201_CREATED)


class SegmentDetailView(CampaignAPIView):
    @extend_schema(
        summary=_("A segment"), parameters=[ID], responses={200: SegmentSerializer, **error_responses(401, 403, 404)}
    )
    def get(self, request, pk):
        return Response(SegmentSerializer(self.segment()).data)

    @extend_schema(
        summary=_("Change a segment"),
        parameters=[ID],
        request=SegmentInputSerializer,
        responses={200: SegmentSerializer, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request, pk):
        segment = self.segment()
        body = SegmentInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            segment = services.save_segment(store=segment.store, segment=segment, **body.validated_data)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(SegmentSerializer(segment).data)


class SegmentCountView(CampaignAPIView):
    @extend_schema(
        summary=_("Count the contacts some rules select (before saving them)"),
        request=RulesSerializer,
        responses={200: CountSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        store = self.store()
        body = RulesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            rules = validate_rules(store=store, rules=body.validated_data["rules"])
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response({"count": segment_count(store=store, rules=rules)})


class CampaignsView(CampaignAPIView):
    @extend_schema(
        operation_id="marketing_campaigns_list",
        summary=_("Your campaigns"),
        responses={200: CampaignSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        return Response(CampaignSerializer(Campaign.objects.filter(store=self.store()), many=True).data)

    @extend_schema(
        summary=_("Write a campaign (a draft)"),
        request=CampaignInputSerializer,
        responses={201: CampaignSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        store = self.store()
        body = CampaignInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            campaign = services.save_campaign(
                store=store, data=self.campaign_data(store, body.validated_data), actor=request.user
            )
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class CampaignDetailView(CampaignAPIView):
    @extend_schema(
        summary=_("A campaign"), parameters=[ID], responses={200: CampaignSerializer, **error_responses(401, 403, 404)}
    )
    def get(self, request, pk):
        return Response(CampaignSerializer(self.campaign()).data)

    @extend_schema(
        summary=_("Change a draft campaign"),
        parameters=[ID],
        request=CampaignInputSerializer,
        responses={200: CampaignSerializer, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request, pk):
        campaign = self.campaign()
        body = CampaignInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            campaign = services.save_campaign(
                store=campaign.store, campaign=campaign, data=self.campaign_data(campaign.store, body.validated_data)
            )
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return Response(CampaignSerializer(campaign).data)


class CampaignReportView(CampaignAPIView):
    @extend_schema(
        summary=_("A campaign's report"),
        parameters=[ID],
        responses={200: ReportSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk):
        report = tracking.campaign_report(self.campaign())
        return Response(ReportSerializer(report).data)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT


def _state_action(name: str, summary, run, request_serializer=None):
    """A POST that changes a campaign's state: 200 with the campaign, 409 when its state does
    not allow it."""

    class View(CampaignAPIView):
        @extend_schema(
            operation_id=f"marketing_campaigns_{name}",
            summary=summary,
            parameters=[ID],
            request=request_serializer,
            responses={200: CampaignSerializer, **error_responses(400, 401, 403, 404, 409)},
        )
        def post(self, request, pk):
            campaign = self.campaign()
            data = {}
            if request_serializer is not None:
                body = request_serializer(data=request.data)
                body.is_valid(raise_exception=True)
                data = body.validated_data
            try:
                run(campaign, data, request)
            except engine.CampaignStateError as exc:
                raise Conflict(
                    _("The campaign is %(state)s: that cannot be done now.") % {"state": campaign.get_state_display()}
                ) from exc
            campaign.refresh_from_db()
            return Response(CampaignSerializer(campaign).data)

    View.__name__ = f"Campaign{name.title()}View"
    return View


def _schedule(campaign, data, request):
    if data["at"] <= timezone.now():
        raise serializers.ValidationError({"at": [_("Choose a time in the future.")]})
    engine.schedule_campaign(campaign, at=data["at"])


def _test(campaign, data, request):
    if not request.user.email:
        raise serializers.ValidationError(_("Your account has no email address to send the test to."))
    services.send_test(campaign=campaign, to=request.user.email)


CampaignSendView = _state_action("send", _("Send now"), lambda c, d, r: engine.start_campaign(c))
CampaignScheduleView = _state_action("schedule", _("Schedule"), _schedule, ScheduleSerializer)
CampaignPauseView = _state_action("pause", _("Pause"), lambda c, d, r: engine.pause_campaign(c))
CampaignResumeView = _state_action("resume", _("Resume"), lambda c, d, r: engine.resume_campaign(c))
CampaignCancelView = _state_action("cancel", _("Cancel"), lambda c, d, r: engine.cancel_campaign(c))
CampaignTestView = _state_action("test", _("Send a test to yourself"), _test)

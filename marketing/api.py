"""The customer list in the API, under /api/v1/marketing/: the seller's own store's contacts
only (a shopper, or a seller without a store, gets 403; another store's contact is a 404).
Same services and selectors as the pages."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Store
from marketing import selectors, services
from marketing.campaigns import selectors as campaign_selectors
from marketing.models import NOTE_MAX, TAG_MAX, Contact, EmailConsent, Identity, RFMGroup, Source
from marketing.selectors import ContactFilters
from marketing.services.imports import MAX_BYTES
from shop.api import error_responses
from shop.api_parsers import FormParser, MultiPartParser
from shop.client import ClientInfo

CONTACT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The contact's id."))


class IdentitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Identity
        fields = ["kind", "value", "verified"]
        read_only_fields = fields


class ConsentSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmailConsent
        fields = ["email", "state", "requested_at", "confirmed_at", "withdrawn_at"]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    tags = serializers.SerializerMethodField()
    identities = IdentitySerializer(many=True, read_only=True)
    consent = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "name",
            "language",
            "source",
            "created_at",
            "tags",
            "note",
            "identities",
            "consent",
            "order_count",
            "total_spent",
            "last_order_at",
            "recency_score",
            "frequency_score",
            "monetary_score",
            "rfm_group",
            "scored_at",
        ]
        read_only_fields = fields

    def get_tags(self, contact) -> list[str]:
        return [tag.name for tag in contact.tags.all()]

    @extend_schema_field(ConsentSerializer(allow_null=True))
    def get_consent(self, contact):
        consent = getattr(contact, "consent", None)
        return ConsentSerializer(consent).data if consent is not None else None


class CampaignReceivedSerializer(serializers.Serializer):
    campaign_id = serializers.IntegerField()
    campaign_name = serializers.CharField()
    subject = serializers.CharField(help_text=_("The subject this contact got (A/B tests: their variant's)."))
    sent_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    bounced_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField(
        allow_null=True, help_text=_("Unreliable: mail apps block the pixel, or fetch it for everyone.")
    )
    clicked_at = serializers.DateTimeField(allow_null=True)
    orders = serializers.IntegerField(help_text=_("Orders credited to the campaign (paid within 7 days of a click)."))
    revenue = serializers.IntegerField(help_text=_("Their total, in minor units."))


class ContactDetailSerializer(ContactSerializer):
    """A contact with the campaigns they received (newest first)."""

    campaigns_received = serializers.SerializerMethodField()

    class Meta(ContactSerializer.Meta):
        fields = [*ContactSerializer.Meta.fields, "campaigns_received"]
        read_only_fields = fields

    @extend_schema_field(CampaignReceivedSerializer(many=True))
    def get_campaigns_received(self, contact):
        return CampaignReceivedSerializer(campaign_selectors.campaigns_received(contact=contact), many=True).data


class ContactPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ContactSerializer(many=True)


class ContactQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=selectors.SEARCH_MAX, help_text=_("Name, email, phone or tag.")
    )
    group = serializers.ChoiceField(choices=[value for value in RFMGroup.values if value], required=False)
    tag = serializers.IntegerField(required=False, min_value=1, max_value=2**53, help_text=_("A tag's id."))
    page = serializers.IntegerField(required=False, min_value=1, max_value=2**31)


class ContactUpdateSerializer(serializers.Serializer):
    tags = serializers.ListField(
        child=serializers.CharField(max_length=TAG_MAX),
        required=False,
        max_length=20,
        help_text=_("Tag names; new names become tags."),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX)


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("A CSV: email and/or phone, name, tags (;), consent (yes/no)."))

    def validate_file(self, upload):
        if upload.size > MAX_BYTES:
            raise serializers.ValidationError(_("The file is larger than 2 MB."))
        return upload


class ImportErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    problem = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    consent_asked = serializers.IntegerField(help_text=_("Confirmation emails sent (double opt-in)."))
    errors = ImportErrorSerializer(many=True)


class Pages(PageNumberPagination):
    page_size = selectors.PAGE_SIZE


class MarketingAPIView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def store(self) -> Store:
        store = Store.objects.filter(owner=self.request.user).first()
        if store is None:
            raise exceptions.PermissionDenied(_("Only a seller with a store has a customer list."))
        return store

    def contact(self) -> Contact:
        contact = selectors.contact_for_seller(store=self.store(), pk=int(self.kwargs["pk"]))
        if contact is None:
            raise Http404
        return contact


class ContactsView(MarketingAPIView):
    @extend_schema(
        operation_id="marketing_contacts_list",
        summary=_("Your store's customers"),
        description=_("Newest first; search, an RFM group or a tag narrow the list."),
        parameters=[ContactQuerySerializer],
        responses={200: ContactPageSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request):
        store = self.store()
        query = ContactQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = ContactFilters(search=data.get("q", ""), group=data.get("group"), tag_id=data.get("tag"))
        paginator = Pages()
        page = paginator.paginate_queryset(selectors.contact_list(store=store, filters=filters), request, view=self)
        return paginator.get_paginated_response(ContactSerializer(page, many=True).data)


class ContactDetailView(MarketingAPIView):
    @extend_schema(
        summary=_("A customer"),
        parameters=[CONTACT_ID],
        responses={200: ContactDetailSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk):
        return Response(ContactDetailSerializer(self.contact()).data)

    @extend_schema(
        summary=_("Set a customer's tags and private note"),
        parameters=[CONTACT_ID],
        request=ContactUpdateSerializer,
        responses={200: ContactDetailSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, pk):
        contact = self.contact()
        body = ContactUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.set_details(
            contact=contact, tags=body.validated_data.get("tags"), note=body.validated_data.get("note")
        )
        return Response(ContactDetailSerializer(selectors.contact_for_seller(store=contact.store, pk=contact.pk)).data)


class ContactExportView(MarketingAPIView):
    @extend_schema(
        summary=_("Export a customer's data and consent history"),
        description=_("Everything the list holds about them and what the store knows from the site, as JSON."),
        parameters=[CONTACT_ID],
        responses={200: OpenApiTypes.OBJECT, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk):
        return Response(services.export_contact(contact=self.contact()))


class ContactEraseView(MarketingAPIView):
    @extend_schema(
        summary=_("Erase a customer on their request"),
        description=_(
            "Deletes the contact, its identities, tags, note and consent history for good. Orders and chats stay."
        ),
        parameters=[CONTACT_ID],
        request=None,
        responses={204: OpenApiResponse(description=_("Erased.")), **error_responses(401, 403, 404)},
    )
    def post(self, request, pk):
        services.erase_contact(contact=self.contact(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactWithdrawView(MarketingAPIView):
    @extend_schema(
        summary=_("Withdraw a customer's consent to marketing email"),
        description=_("At once; their address goes on your store's suppression list."),
        parameters=[CONTACT_ID],
        request=None,
        responses={200: ContactSerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request, pk):
        contact = self.contact()
        services.withdraw_consent(contact=contact, source=Source.API, client=ClientInfo.of(request), actor=request.user)
        return Response(ContactDetailSerializer(selectors.contact_for_seller(store=contact.store, pk=contact.pk)).data)


class ContactImportView(MarketingAPIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary=_("Import customers from a CSV"),
        description=_(
            "Each bad row is reported with its line and reason; the others are added. “consent: yes” sends a "
            "confirmation email: nobody is mailed before confirming."
        ),
        request={"multipart/form-data": ImportSerializer},
        responses={200: ImportReportSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        store = self.store()
        body = ImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = services.import_contacts(
            store=store, data=body.validated_data["file"].read(), actor=request.user, client=ClientInfo.of(request)
        )
        return Response(
            ImportReportSerializer(
                {
                    "added": report.added,
                    "consent_asked": report.consent_asked,
                    "errors": [{"line": line, "problem": problem} for line, problem in report.errors],
                }
            ).data
        )

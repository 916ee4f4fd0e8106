"""Webhook subscriptions (the caller's own; staff: all; a partner's key: that partner's) and their
deliveries. The signing secret is in the answer to the POST that creates a subscription, and nowhere
after."""

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.idempotency import idempotent
from api.models import ApiKey
from api.permissions import access_of
from api.schema import IDEMPOTENCY_KEY
from api.serializers.common import ErrorSerializer
from api.serializers.webhooks import (
    WebhookDeliverySerializer,
    WebhookSubscriptionCreatedSerializer,
    WebhookSubscriptionCreateSerializer,
    WebhookSubscriptionSerializer,
    WebhookSubscriptionUpdateSerializer,
)
from audit.changes import snapshot
from audit.services import audit_record_update
from matching.models import Partner, Program
from notifications.models import WebhookDelivery, WebhookSubscription
from notifications.webhooks import (
    webhook_deliveries_of,
    webhook_redeliver,
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_update,
    webhook_subscriptions_visible_to,
)

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such subscription of yours.")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="A key needs the scope webhooks:manage.")
INVALID = OpenApiResponse(
    ErrorSerializer,
    description="Not a valid subscription: `fields` says which (an address without https, an unknown event, "
    "a program you may not see).",
)
UNREADABLE = OpenApiResponse(ErrorSerializer, description="The body cannot be read.")


def _subscriptions(request):
    return webhook_subscriptions_visible_to(actor=access_of(request))


@extend_schema_view(
    list=extend_schema(
        summary="Webhook subscriptions: your own (staff: all)",
        responses={200: WebhookSubscriptionSerializer, 403: FORBIDDEN},
    ),
    retrieve=extend_schema(
        summary="A webhook subscription", responses={200: WebhookSubscriptionSerializer, 403: FORBIDDEN, 404: NOT_FOUND}
    ),
    create=extend_schema(
        summary="Subscribe an address to events",
        description=(
            "The answer carries the signing `secret`, shown this once. Every delivery is a POST with "
            '`X-Matchday-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`. A partner\'s key '
            "makes a subscription of the partner: it hears only of the partner's programs and finalists."
        ),
        request=WebhookSubscriptionCreateSerializer,
        responses={201: WebhookSubscriptionCreatedSerializer, 400: UNREADABLE, 403: FORBIDDEN, 422: INVALID},
    ),
    partial_update=extend_schema(
        summary="Change the address, the events, or whether it is active",
        request=WebhookSubscriptionUpdateSerializer,
        responses={200: WebhookSubscriptionSerializer, 400: UNREADABLE, 403: FORBIDDEN, 404: NOT_FOUND, 422: INVALID},
    ),
    destroy=extend_schema(
        summary="Delete a subscription with its deliveries",
        responses={204: OpenApiResponse(description="Deleted."), 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class WebhookSubscriptionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Subscriptions of the caller, newest first."""

    scopes = {"*": ApiKey.Scope.WEBHOOKS_MANAGE}
    serializer_class = WebhookSubscriptionSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering_fields = ["created_at", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema
            return WebhookSubscription.objects.none()
        return _subscriptions(self.request)

    def create(self, request, *args, **kwargs):
        data = WebhookSubscriptionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        access = access_of(request)
        program_id = data.validated_data.get("program")
        program = Program.objects.filter(pk=program_id).first() if program_id is not None else None
        if program_id is not None and program is None:
            program = Program(pk=program_id)  # unknown: refused by the service like one the caller may not see
        issued = webhook_subscription_create(
            user=request.user,
            partner=Partner.objects.get(pk=access.partner_id) if access.partner_id else None,
            program=program,
            url=data.validated_data["url"],
            events=data.validated_data["events"],
            by=request.user,
        )
        issued.subscription.secret = issued.secret
        return Response(WebhookSubscriptionCreatedSerializer(issued.subscription).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        subscription = self.get_object()
        data = WebhookSubscriptionUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            before = snapshot(subscription, data.validated_data)
            updated = webhook_subscription_update(subscription=subscription, by=request.user, **data.validated_data)
            audit_record_update(actor=request.user, before=before, after=updated)  # old → new, as the admin records
        return Response(WebhookSubscriptionSerializer(updated).data)

    def perform_destroy(self, instance):
        webhook_subscription_delete(subscription=instance, by=self.request.user)

    @extend_schema(
        summary="Recent deliveries of a subscription, with every attempt",
        responses={200: WebhookDeliverySerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        deliveries = webhook_deliveries_of(subscription=self.get_object())
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


class WebhookDeliveryViewSet(viewsets.GenericViewSet):
    """A delivery of one of the caller's subscriptions, sent again."""

    scopes = {"*": ApiKey.Scope.WEBHOOKS_MANAGE}
    serializer_class = WebhookDeliverySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema
            return WebhookDelivery.objects.none()
        return WebhookDelivery.objects.filter(subscription__in=_subscriptions(self.request).values("pk"))

    @extend_schema(
        summary="Deliver again (a failed or delivered delivery)",
        description="Queued again with a fresh count of attempts: same event id and body, signed anew.",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            202: WebhookDeliverySerializer,
            403: FORBIDDEN,
            404: OpenApiResponse(ErrorSerializer, description="No such delivery of yours."),
            409: OpenApiResponse(ErrorSerializer, description="Still queued or being sent."),
        },
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def redeliver(self, request, pk=None):
        delivery = self.get_object()  # an id that is not a number: 404, as any unknown id
        queued = webhook_redeliver(delivery=delivery, by=request.user)
        return Response(WebhookDeliverySerializer(queued).data, status=status.HTTP_202_ACCEPTED)


def register(router) -> None:
    router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")
    router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")

"""tortoise-orm models: the storage shape of the domain; translation to domain objects lives beside them.

Schema changes go through migrations in `delivery/storage/migrations` (tortoise's built-in system).
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

__all__ = ["ApiToken", "Certificate", "Shipment", "ShipmentEvent", "WebhookInbox"]


class ApiToken(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, default="")
    role = fields.CharField(max_length=20)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"


class Certificate(Model):
    id = fields.IntField(primary_key=True)
    type_code = fields.CharField(max_length=64)
    status = fields.CharField(max_length=20, default="draft", db_index=True)
    holder_name = fields.CharField(max_length=200)
    holder_id_number = fields.CharField(max_length=32)
    fields_json: dict[str, Any] = fields.JSONField(default=dict)
    delivery_method = fields.CharField(max_length=20)
    # The carrier and recipient chosen at intake, copied onto the shipment when it is created.
    delivery_json: dict[str, Any] = fields.JSONField(default=dict)
    identifier = fields.CharField(max_length=128, null=True, unique=True)
    version = fields.IntField(default=1)
    issuer_name = fields.CharField(max_length=200, default="")
    issuer_code = fields.CharField(max_length=18, default="")
    issued_at = fields.DatetimeField(null=True)
    pdf_path = fields.CharField(max_length=500, null=True)
    pdf_sha256 = fields.CharField(max_length=64, null=True)
    # Revocation keeps the row and its PDF: verifiers must still find the identifier to say "revoked".
    revoked_at = fields.DatetimeField(null=True)
    revocation_reason = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "certificate"


class Shipment(Model):
    id = fields.IntField(primary_key=True)
    certificate: fields.OneToOneRelation[Certificate] = fields.OneToOneField(
        "models.Certificate", related_name="shipment", on_delete=fields.RESTRICT
    )
    carrier = fields.CharField(max_length=40, db_index=True)
    order_id = fields.CharField(max_length=64, unique=True)
    tracking_number = fields.CharField(max_length=64, null=True, db_index=True)
    status = fields.CharField(max_length=24, default="pending", db_index=True)
    recipient_name = fields.CharField(max_length=200)
    recipient_phone = fields.CharField(max_length=32)
    recipient_province = fields.CharField(max_length=50)
    recipient_city = fields.CharField(max_length=50)
    recipient_county = fields.CharField(max_length=50)
    recipient_address = fields.CharField(max_length=300)
    booked_at = fields.DatetimeField(null=True)
    # What the carrier answered the booking with (e.g. Kuaidi100's taskId), needed to cancel it later.
    booking_json: dict[str, Any] = fields.JSONField(default=dict)
    booking_attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True, db_index=True)
    last_error = fields.TextField(null=True)
    last_event_at = fields.DatetimeField(null=True)
    last_push_at = fields.DatetimeField(null=True)
    last_checked_at = fields.DatetimeField(null=True)
    poll_failures = fields.IntField(default=0)
    next_poll_at = fields.DatetimeField(null=True, db_index=True)
    lease_owner = fields.CharField(max_length=64, null=True)
    lease_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "shipment"


class ShipmentEvent(Model):
    id = fields.IntField(primary_key=True)
    shipment: fields.ForeignKeyRelation[Shipment] = fields.ForeignKeyField(
        "models.Shipment", related_name="events", on_delete=fields.CASCADE
    )
    event_key = fields.CharField(max_length=64)
    time = fields.DatetimeField()
    status = fields.CharField(max_length=24)
    raw_code = fields.CharField(max_length=64)
    description = fields.TextField()
    location = fields.CharField(max_length=200, default="")
    source = fields.CharField(max_length=10)
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "shipment_event"
        unique_together = (("shipment", "event_key"),)


class WebhookInbox(Model):
    """Pushes are written here before they are acknowledged, so an acknowledged push is never lost.

    A row is pending until applied (`processed_at`); a pending row is retried from `next_attempt_at`
    with backoff, by whichever replica holds its lease, until it is applied or, after too many
    attempts, parked (`failed_at`) for an operator — kept, never deleted. Every query for pending rows
    starts from `processed_at IS NULL` (indexed; few rows), so the new columns need no index.
    """

    id = fields.IntField(primary_key=True)
    carrier = fields.CharField(max_length=40)
    path_tail = fields.CharField(max_length=200, default="")
    content_type = fields.CharField(max_length=100, default="")
    headers: dict[str, Any] = fields.JSONField(default=dict)
    body = fields.BinaryField()
    received_at = fields.DatetimeField(auto_now_add=True)
    processed_at = fields.DatetimeField(null=True, db_index=True)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(null=True)
    next_attempt_at = fields.DatetimeField(null=True)
    lease_owner = fields.CharField(max_length=64, null=True)
    lease_until = fields.DatetimeField(null=True)
    failed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_inbox"

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='ApiToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(default='', max_length=100)),
                ('role', fields.CharField(max_length=20)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_token', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Certificate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('type_code', fields.CharField(max_length=64)),
                ('status', fields.CharField(default='draft', db_index=True, max_length=20)),
                ('holder_name', fields.CharField(max_length=200)),
                ('holder_id_number', fields.CharField(max_length=32)),
                ('fields_json', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('delivery_method', fields.CharField(max_length=20)),
                ('delivery_json', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('identifier', fields.CharField(null=True, unique=True, max_length=128)),
                ('version', fields.IntField(default=1)),
                ('issuer_name', fields.CharField(default='', max_length=200)),
                ('issuer_code', fields.CharField(default='', max_length=18)),
                ('issued_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('pdf_path', fields.CharField(null=True, max_length=500)),
                ('pdf_sha256', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'certificate', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Shipment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('certificate', fields.OneToOneField('models.Certificate', source_field='certificate_id', db_constraint=True, to_field='id', related_name='shipment', on_delete=OnDelete.RESTRICT)),
                ('carrier', fields.CharField(db_index=True, max_length=40)),
                ('order_id', fields.CharField(unique=True, max_length=64)),
                ('tracking_number', fields.CharField(null=True, db_index=True, max_length=64)),
                ('status', fields.CharField(default='pending', db_index=True, max_length=24)),
                ('recipient_name', fields.CharField(max_length=200)),
                ('recipient_phone', fields.CharField(max_length=32)),
                ('recipient_province', fields.CharField(max_length=50)),
                ('recipient_city', fields.CharField(max_length=50)),
                ('recipient_county', fields.CharField(max_length=50)),
                ('recipient_address', fields.CharField(max_length=300)),
                ('booked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('booking_attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('last_event_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_push_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_checked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('poll_failures', fields.IntField(default=0)),
                ('next_poll_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('lease_owner', fields.CharField(null=True, max_length=64)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'shipment', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ShipmentEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('shipment', fields.ForeignKeyField('models.Shipment', source_field='shipment_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('event_key', fields.CharField(max_length=64)),
                ('time', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status', fields.CharField(max_length=24)),
                ('raw_code', fields.CharField(max_length=64)),
                ('description', fields.TextField(unique=False)),
                ('location', fields.CharField(default='', max_length=200)),
                ('source', fields.CharField(max_length=10)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'shipment_event', 'app': 'models', 'unique_together': (('shipment', 'event_key'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookInbox',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('carrier', fields.CharField(max_length=40)),
                ('path_tail', fields.CharField(default='', max_length=200)),
                ('content_type', fields.CharField(default='', max_length=100)),
                ('headers', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('body', fields.BinaryField()),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('processed_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
                ('last_error', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'webhook_inbox', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Pushes are written here before they are acknowledged, so an acknowledged push is never lost.'},
            bases=['Model'],
        ),
    ]

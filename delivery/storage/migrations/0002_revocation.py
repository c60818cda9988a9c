from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    operations = [
        ops.AddField(
            model_name='Certificate',
            name='revoked_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Certificate',
            name='revocation_reason',
            field=fields.TextField(null=True, unique=False),
        ),
    ]

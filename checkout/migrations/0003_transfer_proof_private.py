"""Proofs of transfer become private uploads: the field uses the private storage, and the
files already uploaded move there from the public media root (same names), so their old
public URLs stop serving them."""

from django.core.files.storage import storages
from django.db import migrations

import shop.fields
import shop.private_media


def _move(apps, *, to_private: bool) -> None:
    Order = apps.get_model("checkout", "Order")
    public, private = storages["default"], shop.private_media.private_storage()
    source, target = (public, private) if to_private else (private, public)
    for pk, name in Order.objects.exclude(transfer_proof="").values_list("pk", "transfer_proof").iterator():
        moved = shop.private_media.move_file(name, source=source, target=target)
        if moved != name:
            Order.objects.filter(pk=pk).update(transfer_proof=moved)


def make_private(apps, schema_editor):
    _move(apps, to_private=True)


def make_public(apps, schema_editor):
    _move(apps, to_private=False)


class Migration(migrations.Migration):
    dependencies = [
        ("checkout", "0002_order_delivered_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="transfer_proof",
            field=shop.fields.VerifiedImageField(
                blank=True,
                storage=shop.private_media.private_storage,
                upload_to="transfers/%Y/%m/",
                verbose_name="proof of transfer",
            ),
        ),
        migrations.RunPython(make_private, make_public, elidable=False),
    ]

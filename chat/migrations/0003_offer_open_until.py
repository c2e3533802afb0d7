from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0002_offers"),
    ]

    operations = [
        # The open offers in the order their time runs out (chat.services.expire_offers).
        migrations.AddIndex(
            model_name="offer",
            index=models.Index(
                condition=models.Q(("status", "open")), fields=["valid_until", "id"], name="chat_offer_open_until"
            ),
        ),
    ]

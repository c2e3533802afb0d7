"""The campaigns' daily figures become the emails' (a campaign's, later a flow step's): the
table renamed, its campaign id kept as ``ref_id`` with ``kind`` 1 (campaign), and ``sent``
added (and the event names of email sent and clicked again). Existing rows keep their figures; ``sent`` is 0 until their day is rolled up again."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0002_attribution"),
    ]

    operations = [
        migrations.AlterField(
            model_name='event',
            name='name',
            field=models.PositiveSmallIntegerField(choices=[(1, 'post_impression'), (2, 'tag_tap'), (3, 'sheet_open'), (4, 'product_view'), (5, 'add_to_cart'), (6, 'checkout_started'), (7, 'order_placed'), (8, 'order_paid'), (9, 'follow'), (20, 'chat_started'), (21, 'offer_sent'), (22, 'offer_accepted'), (30, 'campaign_email_delivered'), (31, 'campaign_email_clicked'), (32, 'campaign_email_sent'), (33, 'campaign_email_clicked_again')]),
        ),
        migrations.RemoveConstraint(model_name="dailycampaignfigures", name="insights_daily_campaign_unique"),
        migrations.RemoveIndex(model_name="dailycampaignfigures", name="insights_daily_campaign_store"),
        migrations.RenameModel(old_name="DailyCampaignFigures", new_name="DailyEmailFigures"),
        migrations.AlterModelTable(name="dailyemailfigures", table="insights_daily_email"),
        migrations.AlterModelOptions(
            name="dailyemailfigures",
            options={"verbose_name": "daily email figures", "verbose_name_plural": "daily email figures"},
        ),
        migrations.RenameField(model_name="dailyemailfigures", old_name="campaign_id", new_name="ref_id"),
        migrations.AddField(
            model_name="dailyemailfigures",
            name="kind",
            field=models.PositiveSmallIntegerField(choices=[(1, "Campaign"), (2, "Flow")], default=1),
        ),
        migrations.AddField(
            model_name="dailyemailfigures",
            name="sent",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddConstraint(
            model_name="dailyemailfigures",
            constraint=models.UniqueConstraint(fields=("kind", "ref_id", "day"), name="insights_daily_email_unique"),
        ),
        migrations.AddIndex(
            model_name="dailyemailfigures",
            index=models.Index(fields=["store_id", "day"], name="insights_daily_email_store"),
        ),
    ]

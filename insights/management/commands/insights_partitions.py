from django.core.management.base import BaseCommand

from insights import partitions


class Command(BaseCommand):
    help = (
        "Make the event table's partitions for this month and the next ones, and drop those older "
        "than INSIGHTS_RETENTION_MONTHS (PostgreSQL; nothing to do elsewhere)."
    )

    def handle(self, *args, **options):
        if not partitions.partitioned():
            self.stdout.write("The event table is not partitioned on this database: nothing to do.")
            return
        made = partitions.ensure_ahead()
        dropped = partitions.drop_expired()
        self.stdout.write(
            f"Made: {', '.join(map(str, made)) or 'none'}. Dropped: {', '.join(map(str, dropped)) or 'none'}."
        )

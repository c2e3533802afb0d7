"""``python manage.py seed_demo``: a believable demo shop to click through.

Five Indonesian small brands with their owners, seventy products with variants and
pictures drawn by Pillow, twenty shoppers and an admin (``catalog.demo``); then checkout
(``checkout.demo``): shipping and payment settings, discount codes, address books, carts
and orders in every state; then their social life (``social.demo``): follows, posts with
tagged products from every store and from shoppers, likes, comments and saves; then the
chats (``chat.demo``): quick replies for every store and conversations in Indonesian. Safe
to run again: only what is missing is created. ``make run`` runs it before starting the server.

The command lives in chat, the top app, because it seeds every layer: a layer must not
import the ones above it, so ``catalog.demo`` seeds the shop, ``checkout.demo`` the orders,
``social.demo`` and ``chat.demo`` what is built on them.

Demo logins (by email; every address is verified, so they work even with
``ACCOUNT_EMAIL_VERIFICATION=mandatory``):

    admin@demo.etalase.id     etalase-admin    superuser
    seller@demo.etalase.id    etalase-seller   owner of Batik Sekar Jagad (staff, sellers group)
    kopi@, glow@, camilan@, langkah@demo.etalase.id
                              etalase-demo     owners of the other four stores
    ani@ ... wulan@demo.etalase.id (20 shoppers)
                              etalase-demo

Options: ``--quiet`` prints nothing; ``--products-per-store N`` seeds only the first
N products of each store (used by the tests).
"""

import logging

from django.core.management.base import BaseCommand, CommandError

from catalog.demo.seed import SITE_URL, seed_demo
from catalog.demo.specs import ADMIN, DEMO_DOMAIN, SHOPPERS
from catalog.demo.stores import STORES
from chat.demo.seed import seed_chat
from checkout.demo.seed import seed_checkout
from marketing.demo.seed import seed_marketing
from social.demo.seed import seed_social


class Command(BaseCommand):
    help = (
        "Create the demo shop (stores, products, shoppers, logins, orders, posts, follows, chats, customer "
        "lists) unless it is "
        "already there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print nothing unless something goes wrong.")
        parser.add_argument(
            "--products-per-store",
            type=int,
            default=None,
            metavar="N",
            help="Seed only the first N products of each store (the tests use a few; default: all).",
        )

    def handle(self, *args, quiet=False, products_per_store=None, **options):
        quiet = quiet or options["verbosity"] == 0
        if products_per_store is not None and products_per_store < 0:
            raise CommandError("--products-per-store must be 0 or more.")
        if not quiet:
            self.stdout.write("Seeding the Etalase demo shop...")
        # Without a broker the picture renditions run in-process: Celery logs a line for each
        # task, and kombu warns that the in-memory broker has no hostname. Neither helps here.
        noisy = {name: logging.getLogger(name) for name in ("celery.app.trace", "kombu.connection")}
        levels = {name: logger.level for name, logger in noisy.items()}
        for logger in noisy.values():
            logger.setLevel(logging.ERROR)
        progress = None if quiet else self.stdout.write
        try:
            report = seed_demo(products_per_store=products_per_store, progress=progress)
            checkout = seed_checkout(progress=progress)
            social = seed_social(progress=progress)
            chat = seed_chat(progress=progress)
            marketing = seed_marketing()
        finally:
            for name, logger in noisy.items():
                logger.setLevel(levels[name])
        if quiet:
            return
        self.stdout.write(self.style.SUCCESS(report.summary()))
        self.stdout.write(self.style.SUCCESS(checkout.summary()))
        self.stdout.write(self.style.SUCCESS(social.summary()))
        self.stdout.write(self.style.SUCCESS(chat.summary()))
        self.stdout.write(self.style.SUCCESS(marketing.summary()))
        self.stdout.write("")
        self.stdout.write(f"Open {SITE_URL}  (back office: {SITE_URL}admin/). Log in with the email address:")
        self.stdout.write("")
        rows = [("role", "email", "password", "")]
        rows.append(("admin", ADMIN.email, ADMIN.password, "superuser"))
        for store in STORES:
            role = "seller" if store is STORES[0] else ""
            rows.append((role, store.owner.email, store.owner.password, f"owns {store.name}"))
        first, last = SHOPPERS[0], SHOPPERS[-1]
        shoppers = f"{first.email_name or first.username}@ … {last.email_name or last.username}@{DEMO_DOMAIN}"
        rows.append(("shopper", shoppers, first.password, f"{len(SHOPPERS)} shoppers"))
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        for row in rows:
            line = "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=False))
            self.stdout.write(f"  {line}  {row[3]}".rstrip())

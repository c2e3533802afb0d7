"""What the social seed's parts share: the report, seeded random choices, the demo's people."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from catalog.demo.seed import SEED
from catalog.demo.specs import SHOPPERS, Person
from catalog.demo.stores import STORES
from shop.models import User

SHOPPER_NAMES = frozenset(person.username for person in SHOPPERS)


@dataclass
class SocialReport:
    created: Counter = field(default_factory=Counter)
    existing: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    KINDS = ("posts", "pictures", "tags", "follows", "likes", "comments", "saves")

    @classmethod
    def _describe(cls, counts: Counter) -> str:
        return ", ".join(f"{counts[kind]} {kind}" for kind in cls.KINDS if counts[kind])

    def summary(self) -> str:
        created = self._describe(self.created) or "nothing"
        existing = self._describe(self.existing) or "nothing"
        return f"Social: created {created}; already there: {existing} ({self.seconds:.1f} s)."


def seeded_random(*parts) -> random.Random:
    return random.Random(":".join(str(part) for part in (SEED, "social", *parts)))


def count(report: SocialReport, kind: str, created: bool) -> None:
    (report.created if created else report.existing)[kind] += 1


def demo_people() -> dict[str, User]:
    """The demo's shoppers and store owners by their spec username (their real one may differ)."""
    specs: list[Person] = [*SHOPPERS, *(store.owner for store in STORES)]
    by_email = {user.email.lower(): user for user in User.objects.filter(email__in=[p.email for p in specs])}
    return {person.username: by_email[person.email.lower()] for person in specs if person.email.lower() in by_email}

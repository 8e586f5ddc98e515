"""Demo open data for `make run`: the public projects, the programme budget and the frozen
reporting round, published as ITD would (through the service, audited)."""

from __future__ import annotations

from contacts.models import User

from . import services
from .models import Category, Kind, Publication


def seed_open_data(*, itd: User) -> int:
    """Publish what a newcomer should see on /open-data/; returns the number of publications
    created (0 when there are some already)."""
    if Publication.objects.exists():
        return 0
    services.publication_publish(actor=itd, kind=Kind.PROJECTS, category=Category.STATISTICS)
    services.publication_publish(actor=itd, kind=Kind.BUDGET, category=Category.BUDGET_PLANS)
    for round_ in services.publishable_rounds():
        services.publication_publish(
            actor=itd, kind=Kind.STRATEGY_ROUND, round_=round_, category=Category.STATISTICS
        )
    return Publication.objects.count()

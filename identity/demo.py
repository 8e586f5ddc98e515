"""The demo's claims table (`seed_demo`), for the people of `make idp` (scripts/idp_demo_config.py):
ITD staff, a space's coordination and membership, the BVM's officer, and every authority as
`fhh-behoerde-<code>`. Running it twice changes nothing."""

from __future__ import annotations

from contacts.models import Authority
from spaces.models import Space

from .models import ClaimRule, Grants

SPACE = "mobilitaet-energie"


def seed_claim_rules() -> int:
    """Returns how many rules were added."""
    space = Space.objects.get(slug=SPACE)
    wanted: list[tuple[str, str, Space | None, Authority | None]] = [
        ("fhh-itd", Grants.ITD, None, None),
        (f"fhh-raum-{SPACE}-koordination", Grants.COORDINATOR, space, None),
        (f"fhh-raum-{SPACE}", Grants.MEMBER, space, None),
        ("fhh-dv-BVM", Grants.OFFICER, None, Authority.objects.get(code="BVM")),
    ]
    wanted += [
        (f"fhh-behoerde-{authority.code}", Grants.AUTHORITY, None, authority)
        for authority in Authority.objects.order_by("code")
    ]
    added = 0
    for claim, grants, target_space, authority in wanted:
        _rule, created = ClaimRule.objects.get_or_create(
            claim=claim, grants=grants, space=target_space, authority=authority
        )
        added += created
    return added

"""factory_boy factories for the portal's models."""

from __future__ import annotations

import datetime as dt

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from contacts.models import Authority, DigitalOfficer, Organisation, Person, User
from projects.models import Project
from spaces.models import Membership, Space

PASSWORD = "Sicheres-Test-Passwort-2026"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        # Accounts are created by ITD or by invitation: their address is known to be theirs.
        if create:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class AuthorityFactory(factory.django.DjangoModelFactory[Authority]):
    class Meta:
        model = Authority
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"AUTH-{n}")
    name_de = factory.Sequence(lambda n: f"Behörde Nummer {n}")
    kind = Authority.Kind.MINISTRY


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Hochschule {n}")
    kind = Organisation.Kind.UNIVERSITY


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person

    user = factory.SubFactory(UserFactory)
    function = "Referent/in"
    phone = factory.Sequence(lambda n: f"+49 40 428 {n:04d}")
    # None in ExternalPersonFactory.
    authority: factory.SubFactory | None = factory.SubFactory(AuthorityFactory)


class ExternalPersonFactory(PersonFactory):
    authority = None
    organisation = factory.SubFactory(OrganisationFactory)


class SpaceFactory(factory.django.DjangoModelFactory[Space]):
    class Meta:
        model = Space
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"raum-{n}")
    name_de = factory.Sequence(lambda n: f"Raum {n}")
    name_en = factory.Sequence(lambda n: f"Space {n}")


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    space = factory.SubFactory(SpaceFactory)
    role = Membership.Role.MEMBER
    authority = factory.LazyAttribute(lambda m: m.person.authority)
    organisation = factory.LazyAttribute(lambda m: m.person.organisation)
    since = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    until = factory.LazyAttribute(
        lambda m: (
            timezone.localdate() + dt.timedelta(days=60)
            if m.role == Membership.Role.GUEST
            else None
        )
    )


class DigitalOfficerFactory(factory.django.DjangoModelFactory[DigitalOfficer]):
    class Meta:
        model = DigitalOfficer

    person = factory.SubFactory(PersonFactory)
    authority = factory.LazyAttribute(lambda o: o.person.authority)
    role = DigitalOfficer.Role.PRINCIPAL
    since = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))


def make_invitation(*, space, invited_by, email: str = "", role: str = "guest", **fields):
    """A pending invitation as `invitation_create` makes it; returns (invitation, token)."""
    import secrets

    from access.models import Invitation
    from access.services import INVITATION_LINK_DAYS, invitation_token_hash

    token = secrets.token_urlsafe(32)
    values = {
        "email": email or f"eingeladen-{secrets.token_hex(4)}@partner.example.org",
        "space": space,
        "role": role,
        "until": timezone.localdate() + dt.timedelta(days=90),
        "token_hash": invitation_token_hash(token),
        "expires_at": timezone.now() + dt.timedelta(days=INVITATION_LINK_DAYS),
        "invited_by": invited_by,
        **fields,
    }
    return Invitation.objects.create(**values), token


# --- Issue 3: projects and budget lines ---------------------------------------------------------


class ProjectFactory(factory.django.DjangoModelFactory[Project]):
    class Meta:
        model = "projects.Project"

    title = factory.Sequence(lambda n: f"Projekt {n}")
    slug = factory.Sequence(lambda n: f"projekt-{n}")
    summary = "Ein Vorhaben der Digitalstrategie."
    primary_space = factory.LazyFunction(lambda: Space.objects.get(slug="mobilitaet-energie"))
    lead_authority = factory.LazyFunction(lambda: Authority.objects.get(code="BVM"))
    status = "in_progress"
    health = "green"
    start = dt.date(2025, 1, 1)
    end = dt.date(2027, 12, 31)
    visibility = "internal"


def budget_line(project, year: int = 2026, category: str = "sach", source: str = "itd", **values):
    """A budget line of `project` (created directly, as a fixture, without the service)."""
    from projects.models import BudgetLine, CostCategory, FiscalYear, FundingSource

    return BudgetLine.objects.create(
        project=project,
        fiscal_year=FiscalYear.objects.get(year=year),
        category=CostCategory.objects.get(code=category),
        funding_source=FundingSource.objects.get(code=source),
        **values,
    )


# --- Issue 12: meetings -------------------------------------------------------------------------


def budget_formset(rows: list[dict], initial: int = 0) -> dict:
    """The budget editor's POST data: the formset's management form and one prefix per row."""
    data = {
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": str(initial),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"lines-{i}-{key}"] = value
    return data


def make_meeting(*, space, invitees=(), days: int = 5, hours: float = 1.5, **fields):
    """A meeting of `space` in `days` days at 10:00 (Europe/Berlin), inviting `invitees` (people
    or accounts), written directly (no notices)."""
    from meetings.models import Invitee, Meeting

    day = timezone.localdate() + dt.timedelta(days=days)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    values = {
        "title": f"Jour fixe {space.slug} {days}",
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=hours),
        "place": "Alter Steinweg 4, Raum 2.14",
        **fields,
    }
    meeting = Meeting.objects.create(space=space, **values)
    for who in invitees:
        person = getattr(who, "person", who)
        Invitee.objects.create(meeting=meeting, person=person)
    return meeting


def strategy_tree(*, space, authority, responsible=None, projects=(), today=None):
    """A goal of `space` with one measure led by `authority` and an indicator on each
    (percent, higher is better: 20 -> 80 over two years, an intermediate target of 40)."""
    import datetime as dt
    from decimal import Decimal

    from core.dates import today as today_here
    from strategy.models import Goal, Indicator, Measure, PathPoint

    today = today or today_here()
    goal = Goal.objects.create(space=space, code=f"G{Goal.objects.count() + 1}", title="Ziel")
    measure = Measure.objects.create(
        goal=goal,
        code=f"{goal.code}.1",
        title="Maßnahme",
        lead_authority=authority,
        responsible=responsible,
        starts_on=today - dt.timedelta(days=365),
        ends_on=today + dt.timedelta(days=365),
    )
    measure.projects.set(projects)
    base = today - dt.timedelta(days=365)
    indicators = []
    for measure_of in (None, measure):
        indicator = Indicator.objects.create(
            goal=goal,
            measure=measure_of,
            name="Anteil online" if measure_of else "Zufriedenheit",
            unit="%",
            baseline_value=Decimal("20"),
            baseline_on=base,
            target_value=Decimal("80"),
            target_on=base + dt.timedelta(days=730),
        )
        PathPoint.objects.create(
            indicator=indicator, on=base + dt.timedelta(days=365), value=Decimal("40")
        )
        indicators.append(indicator)
    return goal, measure, indicators


def audit_of(instance):
    """The audit trail of one object: by its type and number (an object of another type may
    have the same number)."""
    from django.contrib.contenttypes.models import ContentType

    from core.models import AuditEntry

    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=str(instance.pk),
    )

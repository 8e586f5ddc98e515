"""Open data: what ITD marks as published, the files citizens download, their figures against
SUMs in SQL, the refusals and bad input, and that no person is ever named in them."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from core.models import AuditEntry
from opendata import services
from opendata.models import Category, Kind, Publication
from projects.models import Project
from strategy.models import Round

from .conftest import client_for
from .opendata_world import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(itd, space, authority) -> World:
    return build_world(itd, space, authority)


def _csv(client: Client, slug: str) -> list[dict[str, str]]:
    response = client.get(reverse("opendata:csv", kwargs={"slug": slug}))
    assert response.status_code == 200, slug
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def _json(client: Client, name: str, slug: str) -> dict:
    response = client.get(reverse(name, kwargs={"slug": slug}))
    assert response.status_code == 200, slug
    return json.loads(response.content)


def _sql_sum(sql: str, params: list) -> Decimal:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0] or Decimal("0.00")


# --- What is published ----------------------------------------------------------------------


def test_citizens_see_the_page_with_every_dataset_its_formats_and_the_licence(
    published: World,
):
    html = Client().get(reverse("opendata:index")).content.decode()
    for publication in published.publications.values():
        assert f'data-dataset="{publication.slug}"' in html
        assert reverse("opendata:csv", kwargs={"slug": publication.slug}) in html
        assert reverse("opendata:json", kwargs={"slug": publication.slug}) in html
        assert reverse("opendata:csv_metadata", kwargs={"slug": publication.slug}) in html
    assert "Datenlizenz Deutschland – Namensnennung – Version 2.0" in html
    assert reverse("opendata:catalog_ttl") in html and reverse("opendata:catalog_jsonld") in html
    assert "Gutachten und Studien" in html  # the HmbTG categories are explained
    assert "digitalisierung@sk.hamburg.de" in html
    assert reverse("opendata:manage") not in html


def test_the_footer_links_to_open_data(db):
    html = Client().get(reverse("home")).content.decode()
    assert f'href="{reverse("opendata:index")}"' in html


def test_the_projects_are_the_public_ones_now_never_a_stored_list(published: World):
    client = Client()
    rows = _csv(client, "projekte")
    assert [r["kurzname"] for r in rows] == list(
        Project.objects.filter(visibility="public")
        .order_by("title", "pk")
        .values_list("slug", flat=True)
    )
    assert rows[0]["kurzname"] == "offenes-portal"
    assert rows[0]["adresse"] == "http://testserver/projects/offenes-portal/"
    # Made internal: gone from the next download, without anyone touching the publication.
    Project.objects.filter(pk=published.public.pk).update(visibility="internal")
    assert _csv(client, "projekte") == []


def test_the_budget_is_what_the_landing_page_shows_and_its_years_to_the_cent(published: World):
    client = Client()
    rows = {r["haushaltsjahr"]: r for r in _csv(client, "programmbudget")}
    assert set(rows) == {"2025", "2026", "gesamt"}
    sql = (
        "SELECT SUM(l.revised), SUM(l.actual) FROM projects_budgetline l "
        "JOIN projects_fundingsource f ON f.id = l.funding_source_id "
        "JOIN projects_fiscalyear y ON y.id = l.fiscal_year_id "
        "WHERE f.is_programme AND y.year = %s"
    )
    for year in (2025, 2026):
        with connection.cursor() as cursor:
            cursor.execute(sql, [year])
            revised, actual = cursor.fetchone()
        assert Decimal(rows[str(year)]["fortgeschriebener_plan_eur"]) == revised
        assert Decimal(rows[str(year)]["ist_eur"]) == actual
        assert rows[str(year)]["programmbudget_eur"] == ""
    # 2026: the public project's 2000.20 and the internal one's programme share 333.33.
    assert rows["2026"]["fortgeschriebener_plan_eur"] == "2333.53"
    assert rows["2026"]["ist_eur"] == "111.12"
    total_revised = _sql_sum(
        "SELECT SUM(l.revised) FROM projects_budgetline l JOIN projects_fundingsource f "
        "ON f.id = l.funding_source_id WHERE f.is_programme",
        [],
    )
    assert rows["gesamt"]["fortgeschriebener_plan_eur"] == str(total_revised) == "3333.63"
    budget = _sql_sum("SELECT amount FROM projects_programmebudget ORDER BY id LIMIT 1", [])
    assert Decimal(rows["gesamt"]["programmbudget_eur"]) == budget
    # The landing page shows citizens the same totals.
    html = client.get(reverse("home")).content.decode()
    assert "3.333,63" in html
    document = _json(client, "opendata:json", "programmbudget")
    assert document["programmbudget_eur"] == str(budget)
    assert document["rows"][-1]["fortgeschriebener_plan_eur"] == "3333.63"


def test_the_round_publishes_its_indicators_from_the_snapshot(published: World):
    rows = _csv(Client(), published.publications[Kind.STRATEGY_ROUND].slug)
    assert {r["kennzahl"] for r in rows} == {"Zufriedenheit", "Anteil online"}
    [reported] = [r for r in rows if r["kennzahl"] == "Anteil online"]
    assert reported["wert"] == "35.5000"
    assert reported["ausgangswert"] == "20.0000" and reported["zielwert"] == "80.0000"
    assert reported["einheit"] == "%" and reported["massnahme_kuerzel"]
    assert reported["status"]
    [without] = [r for r in rows if r["kennzahl"] == "Zufriedenheit"]
    assert without["wert"] == "" and without["stichtag"] == "" and without["massnahme"] == ""


def test_the_report_publishes_its_years_sums_per_space_and_authority(published: World):
    rows = _csv(Client(), published.publications[Kind.REPORT].slug)
    [total] = [r for r in rows if r["gruppe"] == "gesamt"]
    assert total["bezeichnung"] == "2026"
    revised = _sql_sum(
        "SELECT SUM(l.revised) FROM projects_budgetline l JOIN projects_fiscalyear y "
        "ON y.id = l.fiscal_year_id WHERE y.year = 2026",
        [],
    )
    assert Decimal(total["fortgeschriebener_plan_eur"]) == revised == Decimal("3333.52")
    by_space = [r for r in rows if r["gruppe"] == "raum"]
    assert sum(Decimal(r["fortgeschriebener_plan_eur"]) for r in by_space) == revised
    assert {r["gruppe"] for r in rows} == {"raum", "behoerde", "gesamt"}


def test_the_csv_schema_names_every_column_with_its_datatype(published: World):
    client = Client()
    for publication in published.publications.values():
        schema = _json(client, "opendata:csv_metadata", publication.slug)
        rows = _csv(client, publication.slug)
        columns = schema["tableSchema"]["columns"]
        assert schema["url"] == "http://testserver" + reverse(
            "opendata:csv", kwargs={"slug": publication.slug}
        )
        assert "http://www.w3.org/ns/csvw" in schema["@context"]
        header = list(rows[0]) if rows else None
        if header is not None:
            assert header == [c["name"] for c in columns]
        assert all(c["datatype"] in {"string", "decimal", "date", "anyURI"} for c in columns)
        assert all(c["titles"]["de"] for c in columns)
        document = _json(client, "opendata:json", publication.slug)
        assert document["columns"] == [c["name"] for c in columns]
        assert len(document["rows"]) == len(rows)


def test_no_person_is_named_in_any_open_data_output(published: World):
    client = Client()
    outputs = [
        client.get(reverse("opendata:index")),
        client.get(reverse("opendata:catalog_ttl")),
        client.get(reverse("opendata:catalog_jsonld")),
    ]
    for publication in published.publications.values():
        for name in ("opendata:csv", "opendata:json", "opendata:csv_metadata"):
            outputs.append(client.get(reverse(name, kwargs={"slug": publication.slug})))
    # The names are in the data the outputs are made of: the check can fail.
    snapshot = json.dumps(published.round_.snapshot, ensure_ascii=False)
    assert "Schimmelpfennig" in snapshot
    assert published.public.contact_persons.filter(user__last_name="Quastenberg").exists()
    for response in outputs:
        assert response.status_code == 200
        text = response.content.decode().lower()
        for name in published.names:
            assert name.lower() not in text, (name, response.wsgi_request.path)
        assert "@test.example.org" not in text


# --- Who may: ITD alone, everyone reads ---------------------------------------------------------


def test_itd_marks_and_every_change_is_audited(published: World, itd):
    publication = published.publications[Kind.BUDGET]
    # The publication's entries: by content type too (a round may have the same number).
    trail = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Publication), object_id=str(publication.pk)
    )
    created = trail.filter(action=AuditEntry.Action.CREATE)
    assert created.count() == 1 and created.get().actor == itd
    services.publication_withdraw(actor=itd, publication=publication)
    assert (
        Client().get(reverse("opendata:csv", kwargs={"slug": "programmbudget"})).status_code == 404
    )
    again = services.publication_publish(
        actor=itd, kind=Kind.BUDGET, category=Category.BUDGET_PLANS, title="Neu"
    )
    assert again.pk == publication.pk and again.withdrawn_at is None and again.title == "Neu"
    updates = trail.filter(action=AuditEntry.Action.UPDATE).order_by("pk")
    assert [sorted(u.changes) for u in updates] == [["withdrawn_at"], ["title", "withdrawn_at"]]


@pytest.mark.parametrize("role", ["coordinator", "officer", "member", "guest", "outsider"])
def test_nobody_but_itd_may_publish_or_withdraw(published: World, all_roles, role):
    user = all_roles[role]
    before = list(Publication.objects.values_list("pk", "modified_at", "withdrawn_at"))
    with pytest.raises(PermissionDenied):
        services.publication_publish(actor=user, kind=Kind.PROJECTS, category=Category.STUDIES)
    with pytest.raises(PermissionDenied):
        services.publication_withdraw(actor=user, publication=published.publications[Kind.BUDGET])
    assert list(Publication.objects.values_list("pk", "modified_at", "withdrawn_at")) == before


def test_an_unknown_kind_is_refused_with_a_clear_message(itd):
    with pytest.raises(ValidationError) as error:
        services.publication_publish(actor=itd, kind="personen", category=Category.STUDIES)
    assert "Diese Art von Veröffentlichung gibt es nicht." in error.value.messages
    assert not Publication.objects.exists()


def test_an_open_round_cannot_be_published(published: World, itd):
    count = Publication.objects.count()
    with pytest.raises(ValidationError) as error:
        services.publication_publish(
            actor=itd,
            kind=Kind.STRATEGY_ROUND,
            round_=published.open_round,
            category=Category.STATISTICS,
        )
    assert "abgeschlossene (eingefrorene)" in " ".join(error.value.messages)
    assert Publication.objects.count() == count
    assert published.open_round.status == Round.Status.OPEN


def test_an_unknown_category_and_a_report_of_one_space_are_refused(published: World, itd, space):
    from reports.models import Report

    count = Publication.objects.count()
    with pytest.raises(ValidationError):
        services.publication_publish(actor=itd, kind=Kind.PROJECTS, category="geheim")
    of_space = Report.objects.create(
        kind="budget",
        format="csv",
        scope="space",
        space=space,
        fiscal_year=published.report.fiscal_year,
        status="ready",
    )
    with pytest.raises(ValidationError) as error:
        services.publication_publish(
            actor=itd, kind=Kind.REPORT, report=of_space, category=Category.BUDGET_PLANS
        )
    assert "gesamten Strategie" in " ".join(error.value.messages)
    assert Publication.objects.count() == count


def test_itd_publishes_through_the_form_and_a_refused_form_saves_nothing(published: World, itd):
    client = client_for(itd)
    Publication.objects.filter(kind=Kind.PROJECTS).delete()
    page = client.get(reverse("opendata:manage")).content.decode()
    assert "?kind=projects" in page
    url = reverse("opendata:publish")
    response = client.post(url, {"kind": Kind.STRATEGY_ROUND, "category": Category.STATISTICS})
    assert response.status_code == 400
    assert "Bitte wählen Sie eine Berichtsrunde." in response.content.decode()
    response = client.post(url, {"kind": Kind.PROJECTS, "category": Category.STATISTICS})
    assert response.status_code == 302
    publication = Publication.objects.get(kind=Kind.PROJECTS)
    assert publication.title == "Öffentliche Projekte der Digitalstrategie"
    assert publication.published_by == itd
    response = client.post(reverse("opendata:withdraw", args=[publication.pk]))
    assert response.status_code == 302
    publication.refresh_from_db()
    assert publication.withdrawn_at is not None


def test_the_rest_of_the_strategy_stays_hidden_from_citizens(published: World):
    client = Client()
    for url in (
        reverse("strategy:index"),
        reverse("strategy:round", args=[published.round_.pk]),
        reverse("strategy:round_export", args=[published.round_.pk]),
        reverse("opendata:manage"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    assert client.get(reverse("opendata:catalog_ttl")).status_code == 200

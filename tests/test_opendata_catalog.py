"""The DCAT-AP.de 3.0 catalog: valid against GovData's SHACL shapes (pySHACL, 0 violations),
and read back with rdflib it says what the database says."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from opendata import catalog, selectors, shacl
from opendata.models import Kind, Publication

from .opendata_world import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(itd, space, authority) -> World:
    return build_world(itd, space, authority)


DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
BASE = "http://testserver"


def _graph(name: str, format: str) -> tuple[Graph, str]:
    response = Client().get(reverse(name))
    assert response.status_code == 200
    graph = Graph()
    graph.parse(data=response.content.decode(), format=format)
    return graph, response["Content-Type"]


def _literal(node: object) -> Any:
    assert isinstance(node, Literal), node
    return node.toPython()


def test_the_catalog_validates_against_the_dcat_ap_de_shapes(published: World):
    graph, _type = _graph("opendata:catalog_ttl", "turtle")
    assert len(list(graph.subjects(RDF.type, DCAT.Dataset))) == 4
    result = shacl.validate(graph)
    assert result.violations == 0, result.text
    assert result.warnings == 0, result.text


def test_the_validation_can_fail(published: World):
    """The shapes are read: a dataset without a publisher, a distribution without a licence and
    a theme outside the EU vocabulary are violations."""
    graph = catalog.build(selectors.live(), base_url=BASE)
    dataset = next(graph.subjects(RDF.type, DCAT.Dataset))
    distribution = graph.value(dataset, DCAT.distribution)
    graph.remove((dataset, DCTERMS.publisher, None))
    graph.remove((distribution, DCTERMS.license, None))
    graph.set((dataset, DCAT.theme, URIRef("http://example.org/themes/money")))
    result = shacl.validate(graph)
    assert result.violations == 3, result.text
    assert "MUSS einen dcterms:publisher haben" in result.text


@pytest.mark.parametrize(
    ("name", "format", "content_type"),
    [
        ("opendata:catalog_ttl", "turtle", "text/turtle; charset=utf-8"),
        ("opendata:catalog_jsonld", "json-ld", "application/ld+json; charset=utf-8"),
    ],
)
def test_the_catalog_read_back_is_the_database(published: World, name, format, content_type):
    graph, served = _graph(name, format)
    assert served == content_type
    [catalog_uri] = graph.subjects(RDF.type, DCAT.Catalog)
    publisher = graph.value(catalog_uri, DCTERMS.publisher)
    assert str(graph.value(publisher, FOAF.name)) == "Freie und Hansestadt Hamburg"
    live = {p.slug: p for p in Publication.objects.filter(withdrawn_at__isnull=True)}
    assert len(live) == 4
    datasets = set(graph.objects(catalog_uri, DCAT.dataset))
    assert {str(d).rsplit("#", 1)[1] for d in datasets} == set(live)
    for dataset in datasets:
        publication = live[str(dataset).rsplit("#", 1)[1]]
        titles = {
            t.language: str(t)
            for t in graph.objects(dataset, DCTERMS.title)
            if isinstance(t, Literal)
        }
        assert titles == {"de": publication.title, "en": publication.title_en}
        modified = _literal(graph.value(dataset, DCTERMS.modified))
        assert modified == selectors.modified(publication)
        assert modified >= publication.modified_at
        issued = _literal(graph.value(dataset, DCTERMS.issued))
        assert issued == publication.published_at
        assert graph.value(dataset, DCATDE.contributorID) == URIRef(
            "http://dcat-ap.de/def/contributors/transparenzportalHamburg"
        )
        contact = graph.value(dataset, DCAT.contactPoint)
        assert (contact, RDF.type, VCARD.Organization) in graph
        assert graph.value(contact, VCARD.hasEmail) == URIRef(
            "mailto:digitalisierung@sk.hamburg.de"
        )
        urls = {}
        for distribution in graph.objects(dataset, DCAT.distribution):
            assert graph.value(distribution, DCTERMS.license) == URIRef(
                "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
            )
            assert "Namensnennung" in str(
                graph.value(distribution, DCATDE.licenseAttributionByText)
            )
            kind = str(graph.value(distribution, DCTERMS.format)).rsplit("/", 1)[1]
            urls[kind] = str(graph.value(distribution, DCAT.downloadURL))
        slug = publication.slug
        assert urls == {
            "CSV": BASE + reverse("opendata:csv", kwargs={"slug": slug}),
            "JSON": BASE + reverse("opendata:json", kwargs={"slug": slug}),
        }
        # Every address answers, with the data.
        for url in urls.values():
            assert Client().get(url.removeprefix(BASE)).status_code == 200


def test_the_modified_date_follows_the_data(published: World):
    """A public project changed after the publication: the projects' dataset is modified then."""
    from projects.models import Project

    later = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    Project.objects.filter(pk=published.public.pk).update(updated_at=later)
    graph, _type = _graph("opendata:catalog_ttl", "turtle")
    dataset = URIRef(f"{BASE}{reverse('opendata:index')}#projekte")
    assert graph.value(dataset, DCTERMS.modified) == Literal(later)


def test_a_withdrawn_dataset_leaves_the_catalog(published: World, itd):
    from opendata import services

    services.publication_withdraw(actor=itd, publication=published.publications[Kind.REPORT])
    graph, _type = _graph("opendata:catalog_ttl", "turtle")
    slugs = {str(d).rsplit("#", 1)[1] for d in graph.subjects(RDF.type, DCAT.Dataset)}
    assert published.publications[Kind.REPORT].slug not in slugs
    assert len(slugs) == 3


def test_the_demo_publishes_projects_budget_and_the_frozen_round_validly(db, settings):
    import io

    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    kinds = sorted(Publication.objects.values_list("kind", flat=True))
    assert kinds == sorted([Kind.BUDGET, Kind.PROJECTS, Kind.STRATEGY_ROUND])
    html = Client().get(reverse("opendata:index")).content.decode()
    for publication in Publication.objects.all():
        assert f'data-dataset="{publication.slug}"' in html
    graph, _type = _graph("opendata:catalog_ttl", "turtle")
    result = shacl.validate(graph)
    assert result.violations == 0 and result.warnings == 0, result.text

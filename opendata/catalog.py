"""The DCAT-AP.de 3.0 catalog of what is published, built with rdflib: served as Turtle
(/open-data/catalog.ttl) and JSON-LD (/open-data/catalog.jsonld), harvested by the
Transparenzportal Hamburg (CKAN). Validated in the tests with pySHACL against GovData's shapes
(opendata/shapes/, docs/open-data.md)."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from . import files, licence
from .models import Kind, Publication
from .selectors import modified

DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU_THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
IANA = Namespace("https://www.iana.org/assignments/media-types/")

# The EU data theme of each kind: government and public sector, economy and finance.
THEMES = {
    Kind.PROJECTS: EU_THEME.GOVE,
    Kind.BUDGET: EU_THEME.ECON,
    Kind.STRATEGY_ROUND: EU_THEME.GOVE,
    Kind.REPORT: EU_THEME.ECON,
}

TITLE = {
    "de": "Offene Daten der Digitalen Räume Hamburg",
    "en": "Open data of Hamburg's Digital Spaces",
}
DESCRIPTION = {
    "de": (
        "Was das Amt für IT und Digitalisierung der Senatskanzlei aus der Digitalstrategie "
        "veröffentlicht: die öffentlichen Projekte, das Programmbudget je Haushaltsjahr, die "
        "Kennzahlen abgeschlossener Berichtsrunden und ausgewählte Budgetberichte."
    ),
    "en": (
        "What the Office for IT and Digitalisation of the Senate Chancellery publishes of the "
        "digital strategy: the public projects, the programme budget per fiscal year, the "
        "indicators of frozen reporting rounds and chosen budget reports."
    ),
}

FORMATS = (
    # (key in files.urls, EU file type, IANA media type, title)
    ("csv", EU_FILE_TYPE.CSV, IANA["text/csv"], "CSV"),
    ("json", EU_FILE_TYPE.JSON, IANA["application/json"], "JSON"),
)


def _bind(graph: Graph) -> None:
    for prefix, namespace in (
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("foaf", FOAF),
        ("vcard", VCARD),
        ("dcatde", DCATDE),
    ):
        graph.bind(prefix, namespace)


def _texts(graph: Graph, subject: URIRef, predicate: URIRef, texts: dict[str, str]) -> None:
    for language, text in texts.items():
        if text:
            graph.add((subject, predicate, Literal(text, lang=language)))


def _publisher(graph: Graph) -> URIRef:
    publisher = URIRef(licence.PUBLISHER_URI)
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal(licence.PUBLISHER, lang="de")))
    return publisher


def _contact(graph: Graph) -> BNode:
    """A functional mailbox of the office, never a person."""
    contact = BNode("opendata-contact")
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(licence.CONTACT_NAME, lang="de")))
    graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{licence.contact_email()}")))
    return contact


def dataset_uri(publication: Publication, base_url: str) -> URIRef:
    return URIRef(f"{base_url}{reverse('opendata:index')}#{publication.slug}")


def distribution_uri(publication: Publication, key: str, base_url: str) -> URIRef:
    return URIRef(f"{base_url}{reverse('opendata:index')}#{publication.slug}-{key}")


def build(publications: Iterable[Publication], *, base_url: str) -> Graph:
    """The catalog of `publications` (the live ones), with absolute addresses under
    `base_url` (scheme and host of the request)."""
    graph = Graph()
    _bind(graph)
    page = base_url + reverse("opendata:index")
    catalog = URIRef(base_url + reverse("opendata:catalog_ttl"))
    publisher = _publisher(graph)
    contact = _contact(graph)
    licence_uri = URIRef(licence.URI)
    attribution = Literal(licence.attribution(), lang="de")
    graph.add((catalog, RDF.type, DCAT.Catalog))
    _texts(graph, catalog, DCTERMS.title, TITLE)
    _texts(graph, catalog, DCTERMS.description, DESCRIPTION)
    graph.add((catalog, DCTERMS.publisher, publisher))
    graph.add((catalog, FOAF.homepage, URIRef(page)))
    graph.add((catalog, DCTERMS.language, EU_LANGUAGE.DEU))
    graph.add((catalog, DCTERMS.license, licence_uri))
    latest = None
    for publication in publications:
        changed = modified(publication)
        latest = changed if latest is None or changed > latest else latest
        dataset = dataset_uri(publication, base_url)
        graph.add((catalog, DCAT.dataset, dataset))
        graph.add((dataset, RDF.type, DCAT.Dataset))
        _texts(graph, dataset, DCTERMS.title, {"de": publication.title, "en": publication.title_en})
        _texts(
            graph,
            dataset,
            DCTERMS.description,
            {"de": publication.description, "en": publication.description_en},
        )
        graph.add((dataset, DCTERMS.identifier, Literal(str(dataset))))
        graph.add((dataset, DCAT.theme, THEMES[Kind(publication.kind)]))
        graph.add((dataset, DCAT.keyword, Literal(publication.get_category_display(), lang="de")))
        graph.add((dataset, DCTERMS.publisher, publisher))
        graph.add((dataset, DCAT.contactPoint, contact))
        graph.add((dataset, DCATDE.contributorID, URIRef(licence.CONTRIBUTOR_ID)))
        # Hamburg as a state (dct:spatial: DCAT-AP.de 3.0 deprecates politicalGeocodingURI).
        graph.add((dataset, DCTERMS.spatial, URIRef(licence.GEOCODING_URI)))
        graph.add((dataset, DCATDE.politicalGeocodingLevelURI, URIRef(licence.GEOCODING_LEVEL_URI)))
        graph.add((dataset, DCTERMS.language, EU_LANGUAGE.DEU))
        graph.add((dataset, DCAT.landingPage, URIRef(f"{page}#{publication.slug}")))
        graph.add(
            (dataset, DCTERMS.issued, Literal(publication.published_at, datatype=XSD.dateTime))
        )
        graph.add((dataset, DCTERMS.modified, Literal(changed, datatype=XSD.dateTime)))
        addresses = files.urls(publication.slug, base_url)
        for key, file_type, media_type, label in FORMATS:
            distribution = distribution_uri(publication, key, base_url)
            graph.add((dataset, DCAT.distribution, distribution))
            graph.add((distribution, RDF.type, DCAT.Distribution))
            graph.add(
                (distribution, DCTERMS.title, Literal(f"{publication.title} ({label})", lang="de"))
            )
            graph.add((distribution, DCAT.accessURL, URIRef(addresses[key])))
            graph.add((distribution, DCAT.downloadURL, URIRef(addresses[key])))
            graph.add((distribution, DCTERMS.format, file_type))
            graph.add((distribution, DCAT.mediaType, media_type))
            graph.add((distribution, DCTERMS.license, licence_uri))
            graph.add((distribution, DCATDE.licenseAttributionByText, attribution))
            graph.add(
                (
                    distribution,
                    DCTERMS.issued,
                    Literal(publication.published_at, datatype=XSD.dateTime),
                )
            )
            graph.add((distribution, DCTERMS.modified, Literal(changed, datatype=XSD.dateTime)))
            if key == "csv":
                # The CSV's table schema (CSV on the Web metadata).
                schema = URIRef(addresses["schema"])
                graph.add((distribution, DCTERMS.conformsTo, schema))
                graph.add((schema, RDF.type, DCTERMS.Standard))
    if latest is not None:
        graph.add((catalog, DCTERMS.modified, Literal(latest, datatype=XSD.dateTime)))
    return graph


def turtle(graph: Graph) -> str:
    return graph.serialize(format="turtle")


def json_ld(graph: Graph) -> str:
    return graph.serialize(format="json-ld", indent=2)

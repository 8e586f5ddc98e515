"""Validation of the catalog against GovData's DCAT-AP.de 3.0 SHACL shapes (vendored in
opendata/shapes/, README.md there): the tests run it, and anyone can with

    from opendata import catalog, shacl
    shacl.validate(catalog.build(...))

The vocabularies the shapes check against (licences, contributors, FOAF, vCard, org and the EU
entries the catalog uses) are merged into the data graph, as GovData's validator does: passed
only as the ontology graph, the licence and contributor checks would fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import SH

SHAPES = Path(__file__).resolve().parent / "shapes"
SHAPE_FILES = (
    "dcat-ap-SHACL-DE.ttl",
    "dcat-ap-spec-german-additions.ttl",
    "dcat-ap-de-controlledvocabularies.ttl",
    "dcat-ap-de-deprecated.ttl",
)
VOCABULARIES = (
    "dcat-ap-de-licenses-open.rdf",
    "dcat-ap-de-contributors.rdf",
    "foaf_0_1.rdf",
    "org.ttl",
    "vcard.ttl",
    "eu-vocabularies.ttl",
)


@dataclass
class Result:
    conforms: bool
    violations: int
    warnings: int
    text: str


def _load(names: tuple[str, ...]) -> Graph:
    graph = Graph()
    for name in names:
        path = SHAPES / name
        graph.parse(path, format="xml" if path.suffix == ".rdf" else "turtle")
    return graph


def validate(data: Graph) -> Result:
    from pyshacl import validate as pyshacl_validate

    merged = Graph()
    for triple in data:
        merged.add(triple)
    for triple in _load(VOCABULARIES):
        merged.add(triple)
    conforms, report, text = pyshacl_validate(
        merged,
        shacl_graph=_load(SHAPE_FILES),
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        do_owl_imports=False,
    )
    assert isinstance(report, Graph)
    violations = len(list(report.subjects(SH.resultSeverity, SH.Violation)))
    warnings = len(list(report.subjects(SH.resultSeverity, SH.Warning)))
    return Result(bool(conforms), violations, warnings, str(text))

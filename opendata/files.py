"""A published table as files: CSV (UTF-8, a header row, dot decimals), its CSV on the Web
metadata (the table schema: columns, titles, datatypes) and JSON.

The addresses are stable: /open-data/<slug>.csv, <slug>.csv-metadata.json (the name CSVW's
discovery looks for beside a CSV file) and <slug>.json.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse

from . import licence
from .selectors import Dataset, Table


def urls(slug: str, base_url: str) -> dict[str, str]:
    """The absolute addresses of a dataset's files."""
    return {
        "csv": base_url + reverse("opendata:csv", kwargs={"slug": slug}),
        "schema": base_url + reverse("opendata:csv_metadata", kwargs={"slug": slug}),
        "json": base_url + reverse("opendata:json", kwargs={"slug": slug}),
    }


def cell(value: Any) -> str:
    """A CSV cell: empty for nothing, dot decimals as they are (to the cent), ISO dates."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def csv_text(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.names)
    for row in table.rows:
        writer.writerow([cell(row[name]) for name in table.names])
    return out.getvalue()


def csv_metadata(data: Dataset, base_url: str) -> dict[str, Any]:
    """CSV on the Web metadata (https://www.w3.org/TR/tabular-metadata/) of the CSV file."""
    publication = data.publication
    found = urls(publication.slug, base_url)
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "de"}],
        "@id": found["schema"],
        "url": found["csv"],
        "dc:title": publication.title,
        "dc:description": publication.description,
        "dc:license": {"@id": licence.URI},
        "dc:modified": {"@value": data.modified.isoformat(), "@type": "xsd:dateTime"},
        "dialect": {"header": True, "delimiter": ",", "encoding": "utf-8", "doubleQuote": True},
        "tableSchema": {
            "columns": [
                {
                    "name": column.name,
                    "titles": {"de": column.title},
                    "datatype": column.datatype,
                    **({"dc:description": column.description} if column.description else {}),
                }
                for column in data.table.columns
            ],
        },
    }


def json_document(data: Dataset, base_url: str) -> dict[str, Any]:
    """The same rows as JSON: amounts as strings with a dot, exact to the cent."""
    publication = data.publication
    return {
        "dataset": publication.slug,
        "title": publication.title,
        "description": publication.description,
        "modified": data.modified,
        "license": licence.URI,
        "attribution": licence.attribution(),
        "schema": urls(publication.slug, base_url)["schema"],
        **data.table.facts,
        "columns": data.table.names,
        "rows": data.table.rows,
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)

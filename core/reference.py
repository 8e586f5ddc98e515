"""Reference data of the strategy: the seven spaces and Hamburg's authorities.

Loaded by data migrations (with historical models) and safe to run again: rows are matched by
slug or code and updated, never duplicated.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

REFERENCE_FILE = Path(__file__).resolve().parent / "data" / "hamburg_reference.json"


@cache
def reference() -> dict[str, Any]:
    return json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))


def load_spaces(space_model) -> int:
    for entry in reference()["spaces"]:
        space_model.objects.update_or_create(
            slug=entry["slug"],
            defaults={
                "name_de": entry["name_de"],
                "name_en": entry.get("name_en", ""),
                "description_de": entry.get("description_de", ""),
                "description_en": entry.get("description_en", ""),
                "position": entry.get("position", 0),
            },
        )
    return len(reference()["spaces"])


def load_authorities(authority_model) -> int:
    count = 0
    for entry in reference()["authorities"]:
        parent, _ = authority_model.objects.update_or_create(
            code=entry["code"],
            defaults={
                "name_de": entry["name_de"],
                "name_en": entry.get("name_en", ""),
                "kind": entry["kind"],
            },
        )
        count += 1
        for unit in entry.get("units", []):
            authority_model.objects.update_or_create(
                code=unit["code"],
                defaults={
                    "name_de": unit["name_de"],
                    "name_en": unit.get("name_en", ""),
                    "kind": "office",
                    "parent": parent,
                },
            )
            count += 1
    return count


def fill_authority_english_names(authority_model) -> int:
    """Give the reference authorities their English name where they have none yet; a name an
    administrator has changed or added stays as it is."""
    filled = 0
    for entry in reference()["authorities"]:
        for item in (entry, *entry.get("units", [])):
            if item.get("name_en"):
                filled += authority_model.objects.filter(code=item["code"], name_en="").update(
                    name_en=item["name_en"]
                )
    return filled

"""Cost categories, funding sources, fiscal years and the programme budget of the strategy.

Safe to run again: rows are matched by code or year and updated, never duplicated.
"""

from decimal import Decimal

from django.db import migrations

CATEGORIES = [
    ("personal", "Personalkosten", True),
    ("sach", "Sachkosten", False),
    ("it-dl", "IT-Dienstleistungen (Dataport)", False),
    ("invest", "Investitionen", False),
    ("gemein", "Gemeinkosten (Vollkostenzuschlag)", False),
]
SOURCES = [
    ("itd", "ITD-Strategiebudget", True),
    ("eigen", "Eigenmittel der Behörde", False),
    ("bund", "Bundesmittel", False),
    ("eu", "EU-Mittel", False),
]


def load(apps, schema_editor):
    from core.reference import reference

    CostCategory = apps.get_model("projects", "CostCategory")
    FundingSource = apps.get_model("projects", "FundingSource")
    FiscalYear = apps.get_model("projects", "FiscalYear")
    ProgrammeBudget = apps.get_model("projects", "ProgrammeBudget")
    for position, (code, name, personnel) in enumerate(CATEGORIES):
        CostCategory.objects.update_or_create(
            code=code, defaults={"name": name, "is_personnel": personnel, "position": position}
        )
    for position, (code, name, programme) in enumerate(SOURCES):
        FundingSource.objects.update_or_create(
            code=code, defaults={"name": name, "is_programme": programme, "position": position}
        )
    for year in range(2019, 2031):
        first = year if year % 2 == 1 else year - 1
        FiscalYear.objects.get_or_create(
            year=year, defaults={"double_budget": f"{first}/{first + 1}"}
        )
    if not ProgrammeBudget.objects.exists():
        ProgrammeBudget.objects.create(
            amount=Decimal(reference()["strategy"]["programme_budget_eur"])
        )


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

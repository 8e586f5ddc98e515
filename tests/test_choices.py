"""`core.choices.ChoiceLabels`: a choice's label from a table made once per field and language,
the same as Django's own `get_<field>_display()` in every language and for every value."""

from __future__ import annotations

import pytest
from django.db import models
from django.utils import translation

from contacts.models import DigitalOfficer
from core.choices import ChoiceLabels
from notifications.models import Notification
from projects.models import Project
from spaces.models import Membership
from strategy.models import Submission

MODELS = [Notification, Project, DigitalOfficer, Membership, Submission]


def _choice_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.choices]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("language", ["de", "en"])
def test_every_label_is_djangos_in_each_language(model, language):
    assert issubclass(model, ChoiceLabels)
    fields = _choice_fields(model)
    assert fields, f"{model.__name__} has no choice field: the test would prove nothing"
    with translation.override(language):
        for field in fields:
            for value, _label in [*field.flatchoices, ("no-such-value", None), (None, None)]:
                obj = model(**{field.attname: value})
                ours = getattr(obj, f"get_{field.name}_display")()
                django = models.Model._get_FIELD_display(obj, field)
                assert ours == django, (model.__name__, field.name, value, language)


def test_the_label_follows_the_reader_language():
    project = Project(status=Project.Status.ON_HOLD)
    with translation.override("de"):
        german = project.get_status_display()
    with translation.override("en"):
        english = project.get_status_display()
        assert english == str(Project.Status.ON_HOLD.label)
    assert german == "pausiert" and english != german

"""Korean and English catalogs are complete, compiled, and cover every label staff see."""

import gettext
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"
OUR_APPS = ("accounts", "audit", "startups", "matching", "notifications")


def _catalog(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", ["ko", "en"])
def test_every_catalog_entry_is_translated_and_none_is_fuzzy(language):
    catalog = _catalog(language)

    assert catalog.untranslated_entries() == []
    assert catalog.fuzzy_entries() == []


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_committed_compiled_catalog_matches_its_source(language):
    catalog = _catalog(language)
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as compiled_file:
        compiled = gettext.GNUTranslations(compiled_file)

    for entry in catalog.translated_entries():
        if entry.msgid_plural:
            continue
        got = compiled.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt else compiled.gettext(entry.msgid)
        assert got == entry.msgstr, f"{entry.msgid!r}: run `make messages` to recompile"


def _model_labels():
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS:
            continue
        yield model._meta.verbose_name
        yield model._meta.verbose_name_plural
        for field in model._meta.get_fields():
            for label in (getattr(field, "verbose_name", ""), getattr(field, "help_text", "")):
                if label:
                    yield label
            for _value, choice in getattr(field, "choices", None) or ():
                yield choice


def test_every_model_label_help_text_and_choice_reads_in_korean():
    with translation.override("en"):
        english = [str(label) for label in _model_labels()]
    with translation.override("ko"):
        korean = [str(label) for label in _model_labels()]

    untranslated = sorted({en for en, ko in zip(english, korean, strict=True) if en == ko} - {"SHA-256", "ID"})
    assert untranslated == [], "add these to the catalogs with `make messages`"

"""The Spanish catalogs are complete: every live entry of every catalog is translated and none is fuzzy, and the
project-wide templates (templates/: the layout, error pages, admin header) have their strings in locale/, the
catalog `makemessages` writes when run inside templates/. App catalogs made by running makemessages inside an
app drop strings that live outside it, which once left the layout and the error pages in English."""

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGS = [*sorted(ROOT.glob("*/locale/es/LC_MESSAGES/django.po")), ROOT / "locale/es/LC_MESSAGES/django.po"]
TRANSLATE_TAG = re.compile(r"""{%\s*translate\s+(["'])(.+?)\1""")


def live_entries(path: Path) -> list[str]:
    """Entries that are not obsolete (#~) or the header."""
    blocks = path.read_text().split("\n\n")
    return [b for b in blocks if 'msgid ""\nmsgstr ""\n"Project-Id' not in b and not b.lstrip().startswith("#~")]


def msgids(path: Path) -> set[str]:
    ids = set()
    for block in live_entries(path):
        found = re.search(r'^msgid ((?:".*"\n?)+)', block + "\n", re.M)
        if found:
            ids.add("".join(re.findall(r'"(.*)"', found.group(1))))
    return ids


def translations(block: str) -> list[str]:
    """The msgstr (or each msgstr[n]) of an entry, its quoted lines joined."""
    return [
        "".join(re.findall(r'"(.*)"', m.group(2)))
        for m in re.finditer(r'^msgstr(\[\d\])? ((?:".*"\n?)+)', block + "\n", re.M)
    ]


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_entry_is_translated_and_none_is_fuzzy(catalog):
    for block in live_entries(catalog):
        if "msgid" not in block:
            continue
        assert not re.search(r"^#,.*\bfuzzy\b", block, re.M), block
        assert all(translations(block)), block


def test_the_project_templates_strings_are_in_the_root_catalog():
    wanted = {m.group(2) for f in (ROOT / "templates").rglob("*.html") for m in TRANSLATE_TAG.finditer(f.read_text())}
    assert wanted and wanted <= msgids(ROOT / "locale/es/LC_MESSAGES/django.po")

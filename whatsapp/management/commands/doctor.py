"""Check the Meta configuration from the operator's side and print what to fix (exit 1 when something must be)."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from whatsapp.doctor import FAIL, OK, WARN, run_checks

LANGUAGES = ("es", "en")


def language_from(value: str | None) -> str:
    """--lang, else the LANGUAGE environment variable (gettext's: `es_CO:es`), else LANGUAGE_CODE."""
    for candidate in (value, os.environ.get("LANGUAGE"), settings.LANGUAGE_CODE):
        for part in str(candidate or "").split(":"):
            code = part.split("_")[0].split("-")[0].lower()
            if code in LANGUAGES:
                return code
    return "en"


class Command(BaseCommand):
    help = (
        "Check the Meta configuration: the master token and its permissions, the app's webhook URL and fields, "
        "the app's subscription to each WABA, the Graph API version, and each number's registration and "
        "quality. Prints what to fix; exits 1 when something must be fixed (2 with --strict for warnings)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--lang", help="es or en (default: LANGUAGE, then LANGUAGE_CODE)")
        parser.add_argument("--strict", action="store_true", help="warnings also make the exit code non-zero")

    def handle(self, *args, lang: str | None, strict: bool, **options):
        if lang and language_from(lang) != lang.split("_")[0].lower():
            raise CommandError(f"--lang must be one of {', '.join(LANGUAGES)}")
        with translation.override(language_from(lang)):
            findings = run_checks()
            labels = {OK: _("OK"), WARN: _("WARNING"), FAIL: _("FIX")}
            styles = {OK: self.style.SUCCESS, WARN: self.style.WARNING, FAIL: self.style.ERROR}
            for finding in findings:
                label = styles[finding.status](f"[{labels[finding.status]}]")
                self.stdout.write(f"{label} {finding.subject}: {finding.detail}")
                if finding.fix and finding.status != OK:
                    self.stdout.write(f"      → {finding.fix}")
            failures = sum(f.status == FAIL for f in findings)
            warnings = sum(f.status == WARN for f in findings)
            if failures:
                summary = _("%(failures)d to fix, %(warnings)d warnings.") % {
                    "failures": failures,
                    "warnings": warnings,
                }
                self.stdout.write(self.style.ERROR(summary))
            elif warnings:
                self.stdout.write(
                    self.style.WARNING(_("Nothing to fix; %(warnings)d warnings.") % {"warnings": warnings})
                )
            else:
                self.stdout.write(self.style.SUCCESS(_("Everything Meta needs is in place.")))
        if failures:
            raise SystemExit(1)
        if strict and warnings:
            raise SystemExit(2)

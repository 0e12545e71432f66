"""Settings an attacker would love us to get wrong: where `make run` listens, Meta's secrets in production,
and a malformed encryption key.

Each test first reproduces the weakness (the open bind, a deploy check that passed without Meta's
credentials, a bad key that only failed at the first encrypted write).
"""

from __future__ import annotations

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from core.fields import validate_encryption_keys
from crm.management.commands.run_stack import stack_commands
from tests.crm.test_platform import PRODUCTION, run_manage

META = {name: value for name, value in PRODUCTION.items() if name.startswith("WHATSAPP_") and "SANDBOX" not in name}
# A Fernet key is 32 bytes in url-safe base64: these are not.
MALFORMED_KEYS = ["not-a-key", "XeHEccd6UT5FoxHtxnx-0GO9eIKfBlSGRpi_Kwb9cw", "x" * 44]


# --- where make run listens ---------------------------------------------------------------------
def test_make_run_listens_on_this_machine_only_by_default(settings):
    assert settings.BIND_ADDRESS == "127.0.0.1"
    web = stack_commands(8000, settings.BIND_ADDRESS)["web"]
    assert web[-2:] == ["127.0.0.1:8000", "--noreload"]
    assert not any("0.0.0.0" in part for part in web)


@pytest.mark.parametrize(("bind", "address"), [("0.0.0.0", "0.0.0.0:8123"), ("::1", "[::1]:8123")])
def test_the_bind_address_is_a_choice(bind, address):
    assert address in stack_commands(8123, bind)["web"]


def test_the_bind_address_comes_from_the_environment():
    code = "from django.conf import settings; print('bind=' + settings.BIND_ADDRESS)"
    result = run_manage("shell", "--no-imports", "-c", code, BIND_ADDRESS="0.0.0.0")
    assert "bind=0.0.0.0" in result.stdout.splitlines(), result.stderr


# --- deploy checks: Meta's credentials ------------------------------------------------------------
@pytest.mark.parametrize("missing", sorted(META))
def test_the_deploy_check_fails_without_each_meta_setting(missing):
    env = {**PRODUCTION, missing: ""}
    result = run_manage("check", "--deploy", **env)
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr
    assert sum(f"{name} is not set" in result.stderr for name in META) == 1  # only the one missing


def test_the_deploy_check_passes_with_every_meta_setting():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_sandbox_needs_no_meta_credentials(settings):
    settings.WHATSAPP_SANDBOX = True
    for name in META:
        setattr(settings, name, "")
    assert not [m for m in checks.run_checks(include_deployment_checks=True) if m.id.startswith("crm.")]


def test_without_the_sandbox_blank_meta_settings_are_errors(settings):
    settings.WHATSAPP_SANDBOX = False
    settings.WHATSAPP_APP_SECRET = "   "
    errors = [m for m in checks.run_checks(include_deployment_checks=True) if m.id.startswith("crm.")]
    assert [e.msg.split(" ")[0] for e in errors] == ["WHATSAPP_APP_SECRET"]
    assert all(e.level == checks.ERROR for e in errors)


# --- the encryption key ---------------------------------------------------------------------------
@pytest.mark.parametrize("key", MALFORMED_KEYS)
def test_a_malformed_encryption_key_stops_the_start_with_a_clear_message(key):
    # Not only `manage.py`: every process (gunicorn, Celery) sets Django up, and that is where it stops.
    code = "import django; django.setup(); print('started')"
    result = run_manage("shell", "-c", code, **{**PRODUCTION, "FIELD_ENCRYPTION_KEY": key})
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "FIELD_ENCRYPTION_KEY entry 1 of 1 is not a Fernet key" in result.stderr
    assert key not in result.stderr  # the message names the entry, never the secret


def test_a_malformed_second_key_is_named_by_position(settings):
    settings.FIELD_ENCRYPTION_KEY = ["XeHEccd6UT5FoxHtxnx-0GO9eIKfBlSGRpi_Kwb9cwE=", "bad"]
    with pytest.raises(ImproperlyConfigured, match="entry 2 of 2"):
        validate_encryption_keys()
    errors = [m for m in checks.run_checks() if m.id == "core.E001"]
    assert len(errors) == 1 and errors[0].level == checks.ERROR


def test_good_keys_pass(settings):
    settings.FIELD_ENCRYPTION_KEY = ["XeHEccd6UT5FoxHtxnx-0GO9eIKfBlSGRpi_Kwb9cwE="]
    validate_encryption_keys()
    assert not [m for m in checks.run_checks(include_deployment_checks=True) if m.id.startswith("core.")]

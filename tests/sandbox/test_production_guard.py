"""Production settings refuse to start with the sandbox on."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def run_check(**env):
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("DEBUG", "WHATSAPP_SANDBOX")},
        "SECRET_KEY": "a-production-like-secret-key-that-is-long-enough-0123456789",
        "FIELD_ENCRYPTION_KEY": "XeHEccd6UT5FoxHtxnx-0GO9eIKfBlSGRpi_Kwb9cwE=",
        "ALLOWED_HOSTS": "crm.example.com",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(settings.BASE_DIR),
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_manage_check_refuses_the_sandbox_without_debug():
    refused = run_check(DEBUG="false", WHATSAPP_SANDBOX="true")
    assert refused.returncode != 0
    assert "WHATSAPP_SANDBOX must be off in production" in refused.stderr


def test_the_same_settings_pass_with_the_sandbox_off():
    allowed = run_check(DEBUG="false", WHATSAPP_SANDBOX="false")
    assert allowed.returncode == 0, allowed.stderr

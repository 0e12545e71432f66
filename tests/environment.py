"""pytest plugin loaded before Django settings (`-p tests.environment`): the test environment.

Tests run with the sandbox and eager Celery tasks (integration tests start real workers), on the database named by
DATABASE_URL (PostgreSQL in `make test`, SQLite otherwise).
"""

import os

os.environ.setdefault("DEBUG", "true")  # import-time only: pytest-django runs tests with DEBUG off
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "XeHEccd6UT5FoxHtxnx-0GO9eIKfBlSGRpi_Kwb9cwE=")
os.environ.setdefault("ALLOWED_HOSTS", "*")
os.environ.setdefault("WHATSAPP_SANDBOX", "true")
os.environ.setdefault("AI_REPLY_QUIET_SECONDS", "0")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("SANDBOX_STATUS_WEBHOOKS", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("CACHE_URL", "locmemcache://tests")
# Live-server request threads die after each request: persistent connections would outlive them.
os.environ.setdefault("CONN_MAX_AGE", "0")

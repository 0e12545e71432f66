"""Settings for the bare-view baseline of bench/ingest.py: the product's settings, one URL that reads the body."""

from crm.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"

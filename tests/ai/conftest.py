"""Fixtures of the AI tests."""

from __future__ import annotations

import pytest

from tests.ai.support import FakeOpenAI, start_fake_openai
from tests.whatsapp.api_support import api_for  # noqa: F401  (fixture)


@pytest.fixture
def fake_openai():
    fake = FakeOpenAI()
    server = start_fake_openai(fake)
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def use_openai(settings, fake_openai):
    """Point the OpenAI provider at the local fake server (real SDK, real HTTP)."""
    settings.OPENAI_API_KEY = "sk-test-local"
    settings.OPENAI_BASE_URL = fake_openai.url
    settings.OPENAI_MODEL = "gpt-4o-mini"
    settings.OPENAI_TIMEOUT = 2.0
    settings.OPENAI_MAX_RETRIES = 0
    return fake_openai

"""Reply providers behind one interface: `get_provider()` picks OpenAI when a key is set, else offline."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from ai.providers.base import ProviderError, ProviderReply, ReplyProvider, ReplyRequest
from ai.providers.offline import OfflineProvider


def get_provider(*, model: str = "") -> ReplyProvider:
    """OpenAI with `model` (a client's override) or OPENAI_MODEL when a key is set, else offline."""
    if settings.OPENAI_API_KEY:
        return _openai_provider(
            settings.OPENAI_API_KEY,
            model.strip() or settings.OPENAI_MODEL,
            settings.OPENAI_BASE_URL,
            settings.OPENAI_TIMEOUT,
            settings.OPENAI_MAX_RETRIES,
            settings.OPENAI_MAX_TOKENS,
        )
    return OfflineProvider()


@lru_cache(maxsize=32)
def _openai_provider(
    api_key: str, model: str, base_url: str | None, timeout: float, max_retries: int, max_tokens: int
) -> ReplyProvider:
    """One SDK client per configuration and process, so its HTTP connections are reused."""
    from ai.providers.openai_provider import OpenAIProvider

    return OpenAIProvider(
        api_key=api_key,
        model=model,
        base_url=base_url,
        timeout=timeout,
        max_retries=max_retries,
        max_tokens=max_tokens,
    )


__all__ = ["OfflineProvider", "ProviderError", "ProviderReply", "ReplyProvider", "ReplyRequest", "get_provider"]

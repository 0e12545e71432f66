"""Reply providers behind one interface: `get_provider()` picks OpenAI when a key is set, else offline."""

from __future__ import annotations

from django.conf import settings

from ai.providers.base import ProviderError, ProviderReply, ReplyProvider, ReplyRequest
from ai.providers.offline import OfflineProvider


def get_provider() -> ReplyProvider:
    if settings.OPENAI_API_KEY:
        from ai.providers.openai_provider import OpenAIProvider

        return OpenAIProvider.from_settings()
    return OfflineProvider()


__all__ = ["OfflineProvider", "ProviderError", "ProviderReply", "ReplyProvider", "ReplyRequest", "get_provider"]

"""OpenAI (or any OpenAI-compatible server: Azure, vLLM, Ollama) through the official SDK."""

from __future__ import annotations

import contextlib
from zoneinfo import ZoneInfo

import openai
from django.utils import timezone

from ai.providers.base import ProviderError, ProviderReply, ReplyProvider, ReplyRequest

HANDOFF_MARKER = "[[HANDOFF]]"
LANGUAGE_NAMES = {"es": "Spanish", "en": "English"}


def _local_now(request: ReplyRequest) -> str:
    now = request.now or timezone.now()
    with contextlib.suppress(KeyError, ValueError):
        now = now.astimezone(ZoneInfo(request.persona.timezone))
    return now.strftime("%A %Y-%m-%d %H:%M")


def system_prompt(request: ReplyRequest) -> str:
    """Persona, rules and the most relevant knowledge entries, as the system message."""
    p = request.persona
    lines = [
        f"You are {p.assistant_name or 'the assistant'} answering WhatsApp messages for {p.business_name}.",
        f"About the business: {p.description or 'not described'}",
        f"Tone: {p.tone or 'friendly and professional'}.",
        f"Answer in {LANGUAGE_NAMES.get(request.language, 'the customer language')}, briefly "
        f"(at most {p.max_reply_chars} characters), plain text suitable for WhatsApp.",
        f"Local time now: {_local_now(request)} ({p.timezone}).",
    ]
    if p.business_hours:
        lines.append(f"Business hours: {p.business_hours}")
    if p.booking_instructions:
        lines.append(f"How to book or buy: {p.booking_instructions}")
    if p.conversion_goal:
        lines.append(f"Goal: gently guide the customer towards: {p.conversion_goal}")
    if p.never_say:
        lines.append(f"Never say or promise: {p.never_say}")
    lines.append(
        "Use only the facts below and in this message. If the answer is not there, if the customer asks for a "
        f"person, or is upset, reply with {HANDOFF_MARKER} followed by a short polite note that a person from "
        "the team will answer soon. Never invent prices, dates or policies."
    )
    if request.knowledge:
        lines.append("Knowledge base:")
        for item in request.knowledge:
            lines.append(f"- Q: {item.question}\n  A: {item.answer}" if item.question else f"- Note: {item.answer}")
    return "\n".join(lines)


def chat_messages(request: ReplyRequest) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": system_prompt(request)}]
    for turn in request.history:
        messages.append({"role": "user" if turn.role == "customer" else "assistant", "content": turn.text})
    messages.append({"role": "user", "content": request.message})
    return messages


class OpenAIProvider(ReplyProvider):
    name = "openai"

    def __init__(
        self, *, api_key: str, model: str, base_url: str | None, timeout: float, max_retries: int, max_tokens: int
    ):
        self.model = model
        self.max_tokens = max_tokens
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)

    def reply(self, request: ReplyRequest) -> ProviderReply:
        # Roughly 3 characters per token; never more than the configured ceiling.
        max_tokens = max(32, min(self.max_tokens, request.persona.max_reply_chars // 3 + 32))
        try:
            completion = self._client.chat.completions.create(
                model=self.model, messages=chat_messages(request), max_tokens=max_tokens, temperature=0.3
            )
        except openai.OpenAIError as error:
            raise ProviderError(f"{type(error).__name__}: {error}") from error
        choice = completion.choices[0] if completion.choices else None
        text = ((choice.message.content if choice and choice.message else "") or "").strip()
        if not text:
            raise ProviderError("The model returned an empty reply")
        usage = completion.usage
        reply = ProviderReply(
            text=text,
            model=completion.model or self.model,
            prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
        )
        if HANDOFF_MARKER in text:
            reply.text = text.replace(HANDOFF_MARKER, "").strip()
            reply.handoff, reply.reason = True, "The assistant asked for a person"
        return reply

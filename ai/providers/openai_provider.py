"""OpenAI (or any OpenAI-compatible server: Azure, vLLM, Ollama) through the official SDK."""

from __future__ import annotations

import contextlib
import json
from zoneinfo import ZoneInfo

import openai
from django.utils import timezone

from ai.intake import REQUEST_KINDS, RequestCapture, RequestField, recorded_text
from ai.phrases import OFF_TOPIC_REASON, redirect_text
from ai.providers.base import ProviderError, ProviderReply, ReplyProvider, ReplyRequest

LANGUAGE_NAMES = {"es": "Spanish", "en": "English"}
# The model answers in this JSON shape (response_format json_object), so the product, not the model's good
# will, decides what is sent: an off-topic answer is replaced by our redirect, a handoff goes to a person.
ANSWER_FORMAT = '{"reply": "<text for the customer>", "on_topic": true|false, "handoff": true|false}'
RECORD_REQUEST = "record_request"


def request_tool(fields: tuple[RequestField, ...]) -> dict:
    """The `record_request` function the model calls once a request is complete and confirmed: one string
    parameter per detail the persona asks for, all required, nothing else (the product checks it again)."""
    properties: dict[str, dict] = {
        "kind": {
            "type": "string",
            "enum": list(REQUEST_KINDS),
            "description": "booking (an appointment or reservation), order (something to buy or deliver) or "
            "callback (the customer wants to be called)",
        }
    }
    for f in fields:
        properties[f.key] = {"type": "string", "description": f"{f.label}, as the customer gave it"}
    return {
        "type": "function",
        "function": {
            "name": RECORD_REQUEST,
            "description": "Record the customer's booking, order or call-back request for the team. Call it only "
            "when every detail is known and the customer confirmed the summary.",
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": list(properties),
                "additionalProperties": False,
            },
        },
    }


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
    if p.address:
        lines.append(f"Address: {p.address}")
    lines.append(
        f"You are not a general-purpose assistant: you only help with {p.business_name}'s own products, "
        "services, prices, hours, location, bookings and orders (WhatsApp Business terms forbid general-purpose "
        "AI assistants). Requests for anything else — writing poems, stories or essays, homework, translations, "
        "code, general knowledge, news, opinions, or other companies' products — are off topic: do not fulfil "
        "them, set on_topic to false."
    )
    lines.append(
        "Use only the facts below and in this message. If the answer is not there, if the customer asks for a "
        "person, or is upset, set handoff to true and reply with a short polite note that a person from the team "
        "will answer soon. Never invent prices, dates or policies."
    )
    if p.request_fields:
        details = ", ".join(f.label for f in p.request_fields)
        lines.append(
            "When the customer wants to book, order or be called back, ask for these details, one or two at a "
            f"time, in your replies: {details}. Then read them back and ask the customer to confirm. Once the "
            f"customer confirms, call the {RECORD_REQUEST} tool with every detail instead of answering."
        )
    lines.append(f"Answer with one JSON object and nothing else: {ANSWER_FORMAT}")
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
        # Roughly 3 characters per token (plus the JSON around the reply); never more than the configured ceiling.
        max_tokens = max(48, min(self.max_tokens, request.persona.max_reply_chars // 3 + 48))
        fields = request.persona.request_fields
        extra = {"tools": [request_tool(fields)]} if fields else {}
        try:
            completion = self._client.chat.completions.create(
                model=self.model,
                messages=chat_messages(request),
                max_tokens=max_tokens,
                temperature=0.3,
                response_format={"type": "json_object"},
                **extra,
            )
        except openai.OpenAIError as error:
            raise ProviderError(f"{type(error).__name__}: {error}") from error
        choice = completion.choices[0] if completion.choices else None
        usage = completion.usage
        reply = ProviderReply(
            text="",
            model=completion.model or self.model,
            prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
        )
        calls = (
            [c for c in (getattr(choice.message, "tool_calls", None) or []) if c.type == "function"] if choice else []
        )
        if calls:
            reply.request = _parse_request(calls[0].function.name, calls[0].function.arguments, fields)
            reply.text, reply.reason = (
                recorded_text(reply.request.kind, request.language),
                "The customer confirmed a request",
            )
            return reply
        answer = _parse_answer((choice.message.content if choice and choice.message else "") or "")
        reply.text = answer["reply"]
        if not answer["on_topic"]:
            # Whatever the model wrote (a poem it should not have), the customer reads our redirect.
            reply.text, reply.off_topic = redirect_text(request.persona, request.language), True
            reply.reason = OFF_TOPIC_REASON
        elif answer["handoff"]:
            reply.handoff, reply.reason = True, "The assistant asked for a person"
        elif not reply.text:
            raise ProviderError("The model returned an empty reply")
        return reply


def _parse_answer(content: str) -> dict:
    """The model's JSON answer, checked; anything else (prose, a missing field) is a provider error."""
    try:
        answer = json.loads(content)
    except ValueError as error:
        raise ProviderError("The model did not answer in the JSON format it was given") from error
    if not (
        isinstance(answer, dict)
        and isinstance(answer.get("reply"), str)
        and isinstance(answer.get("on_topic"), bool)
        and isinstance(answer.get("handoff", False), bool)
    ):
        raise ProviderError("The model's JSON answer lacks reply, on_topic or handoff")
    return {"reply": answer["reply"].strip(), "on_topic": answer["on_topic"], "handoff": answer.get("handoff", False)}


def _parse_request(name: str, arguments: str, fields: tuple[RequestField, ...]) -> RequestCapture:
    """The tool call's arguments, checked against the tool we offered; anything else is a provider error,
    so a half-filled request is never recorded."""
    if name != RECORD_REQUEST or not fields:
        raise ProviderError(f"The model called a tool it was not offered: {name!r}")
    try:
        values = json.loads(arguments or "")
    except ValueError as error:
        raise ProviderError("The model's tool call arguments are not JSON") from error
    if not isinstance(values, dict) or values.get("kind") not in REQUEST_KINDS:
        raise ProviderError("The model's request has no valid kind")
    details = []
    for f in fields:
        value = values.get(f.key)
        if not isinstance(value, str) or not value.strip():
            raise ProviderError(f"The model's request lacks {f.key!r}")
        details.append((f, " ".join(value.split())[:300]))
    return RequestCapture(kind=values["kind"], details=tuple(details))

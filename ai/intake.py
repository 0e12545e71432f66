"""Requests the assistant takes down: a booking, an order or a call back, with the details the persona asks for.

The persona lists the details (`Persona.request_fields`, one label per line). With OpenAI the model collects
them over the conversation and calls the `record_request` tool built from that list
(`ai.providers.openai_provider`). Offline, `intake_step` runs a short guided exchange: it recognises the wish
in the customer's words, asks for each missing detail in turn, reads the summary back, and on a "sí" hands
its caller a `RequestCapture` to record.

The engine keeps no state of its own: the exchange so far is a small dict the caller stores with the
conversation and passes back next time (`IntakeStep.state`, `None` when the exchange is over).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ai.text import fold

DEFAULT_REQUEST_FIELDS = "Nombre\nServicio o producto\nDía y hora"
REQUEST_KINDS = ("booking", "order", "callback")
MAX_FIELDS = 8
MAX_VALUE_CHARS = 300

KIND_NAMES = {
    "booking": {"es": "reserva", "en": "booking"},
    "order": {"es": "pedido", "en": "order"},
    "callback": {"es": "llamada", "en": "call back"},
}

INTAKE_PHRASES: dict[str, dict[str, str]] = {
    "start": {
        "es": "¡Con gusto te ayudo con tu {kind}! Para registrarla necesito unos datos.",
        "en": "Happy to help with your {kind}! I need a few details to take it down.",
    },
    "ask": {"es": "Por favor, indícame: {label}", "en": "Please tell me: {label}"},
    "summary": {
        "es": "Confirmemos tu solicitud de {kind}:\n{lines}\n¿Está todo bien? Responde *sí* para registrarla o *no* "
        "para corregirla.",
        "en": "Let's confirm your {kind} request:\n{lines}\nIs everything right? Reply *yes* to send it or *no* to "
        "correct it.",
    },
    "again": {
        "es": "Sin problema, empecemos de nuevo.",
        "en": "No problem, let's start again.",
    },
    "recorded": {
        "es": "¡Listo! Registramos tu solicitud de {kind}. Una persona del equipo te confirmará muy pronto por este "
        "chat.",
        "en": "Done! We took down your {kind} request. Someone from our team will confirm it here very soon.",
    },
    "cancelled": {
        "es": "Listo, no registramos la solicitud. ¿Te ayudo con algo más?",
        "en": "Alright, we did not send the request. Can I help with anything else?",
    },
}

# A wish ("quiero", "me gustaría", "can I") next to what is wished for; a plain question about booking
# ("¿cómo reservo?") is answered from the persona's booking instructions instead.
WISH = re.compile(
    r"\b(quiero|quisiera|queria|quisieramos|queremos|me gustaria|nos gustaria|necesito|necesitamos|deseo|"
    r"deseamos|me interesa|puedo|podria|me puede|me pueden|me podrian|me podria|me regala|me regalas|"
    r"i want|i would like|i d like|id like|i need|can i|could i|can you|could you|please)\b"
)
CALLBACK = re.compile(
    r"\b(llam(ar|en|enme|eme|ame|adita|ada|arme|arnos)|devolver la llamada|me marquen|call me|call back|callback|"
    r"ring me|phone me)\b"
)
ORDER = re.compile(r"\b(pedid\w*|pedir|ordenar|orden|encarg\w*|domicilio|comprar|compra|order|buy|purchase|delivery)\b")
BOOKING = re.compile(
    r"\b(reserv\w*|agend\w*|cita|turno|apart\w*|separar|book|booking|appointment|reservation|schedule)\b"
)
# Asking for the action itself, with no wish word: "agéndame para el viernes", "llámenme".
DIRECT = re.compile(r"\b(agendame|reservame|apartame|llamenme|llamame|callme|book me)\b")


def _w(text: str) -> frozenset[str]:
    return frozenset(text.split())


GREETING_WORDS = _w("hola buenas buenos dias tardes noches hi hello hey buen dia")
HOW_WORDS = _w("como cuanto cuanta cuantos donde cuando que cual hasta how where what when which")
# The first word of the answer to the summary decides.
YES = _w(
    "si sii sip claro correcto correcta exacto confirmo confirmado dale listo ok okay vale perfecto yes yep yeah sure"
)
NO = _w("no nop nope incorrecto corregir cambiar error mal")
CANCEL_PHRASES = (
    "cancelar",
    "cancela",
    "cancelalo",
    "ya no",
    "olvidalo",
    "olvida",
    "mejor no",
    "no quiero",
    "dejalo asi",
    "cancel",
    "never mind",
    "nevermind",
    "forget it",
)


@dataclass(frozen=True)
class RequestField:
    """One detail the business asks for: `key` is what tools and stored rows call it, `label` what people read."""

    key: str
    label: str


@dataclass(frozen=True)
class RequestCapture:
    """A request ready to record: what kind, and each detail as the customer gave it, in the persona's order."""

    kind: str
    details: tuple[tuple[RequestField, str], ...]

    def as_details(self) -> list[dict[str, str]]:
        return [{"field": f.key, "label": f.label, "value": value} for f, value in self.details]


@dataclass
class IntakeStep:
    """What the guided exchange says now, the exchange's state to keep (None: over), and a request to record."""

    text: str
    state: dict[str, Any] | None
    capture: RequestCapture | None = None
    reason: str = ""


@dataclass
class IntakeState:
    kind: str
    values: dict[str, str] = field(default_factory=dict)
    confirming: bool = False

    @classmethod
    def load(cls, raw: Any) -> IntakeState | None:
        """The stored state, or None when there is none or it is not one we wrote (never trusted blindly)."""
        if not isinstance(raw, dict) or raw.get("kind") not in REQUEST_KINDS:
            return None
        values = raw.get("values") if isinstance(raw.get("values"), dict) else {}
        return cls(
            kind=raw["kind"],
            values={str(k): str(v) for k, v in values.items()},
            confirming=bool(raw.get("confirming")),
        )

    def dump(self) -> dict[str, Any]:
        return {"kind": self.kind, "values": dict(self.values), "confirming": self.confirming}


def _slug(label: str) -> str:
    return re.sub(r"_+", "_", fold(label).replace(" ", "_")).strip("_")[:40] or "detail"


def request_fields(text: str) -> tuple[RequestField, ...]:
    """The persona's list (one label per line) as fields with unique keys ("Día y hora" → `dia_y_hora`)."""
    fields: list[RequestField] = []
    seen: set[str] = set()
    for line in text.splitlines():
        label = line.strip().strip("-•*").strip()
        if not label or len(fields) >= MAX_FIELDS:
            continue
        key, n = _slug(label), 2
        base = key
        while key in seen:
            key, n = f"{base}_{n}", n + 1
        seen.add(key)
        fields.append(RequestField(key=key, label=label[:80]))
    return tuple(fields)


def request_intent(text: str) -> str | None:
    """`booking`, `order` or `callback` when the customer asks for one, else None."""
    folded = fold(text)
    tokens = [t for t in folded.split() if t not in GREETING_WORDS]
    if not tokens or tokens[0] in HOW_WORDS:
        return None  # "¿cómo puedo agendar?" asks how: the booking instructions answer it
    folded = " ".join(tokens)
    wished = bool(WISH.search(folded))
    if DIRECT.search(folded):
        return "callback" if CALLBACK.search(folded) else "booking"
    if not wished:
        return None
    if CALLBACK.search(folded):
        return "callback"
    if ORDER.search(folded):
        return "order"
    if BOOKING.search(folded):
        return "booking"
    return None


def _say(key: str, language: str, **values: str) -> str:
    table = INTAKE_PHRASES[key]
    return table.get(language, table["es"]).format(**values)


def kind_name(kind: str, language: str) -> str:
    names = KIND_NAMES.get(kind, KIND_NAMES["booking"])
    return names.get(language, names["es"])


def recorded_text(kind: str, language: str) -> str:
    """What the customer reads once the request is taken down (both providers say the same)."""
    return _say("recorded", language, kind=kind_name(kind, language))


def _missing(state: IntakeState, fields: tuple[RequestField, ...]) -> RequestField | None:
    return next((f for f in fields if not state.values.get(f.key)), None)


def _summary(state: IntakeState, fields: tuple[RequestField, ...], language: str) -> str:
    lines = "\n".join(f"• {f.label}: {state.values.get(f.key, '')}" for f in fields)
    return _say("summary", language, kind=kind_name(state.kind, language), lines=lines)


def _next(state: IntakeState, fields: tuple[RequestField, ...], language: str, prefix: str = "") -> IntakeStep:
    """Ask for the next missing detail, or read the summary back when none is missing."""
    missing = _missing(state, fields)
    if missing is not None:
        state.confirming = False
        text = _say("ask", language, label=missing.label)
    else:
        state.confirming = True
        text = _summary(state, fields, language)
    return IntakeStep(text=f"{prefix} {text}".strip(), state=state.dump())


def _is_cancel(folded: str) -> bool:
    padded = f" {folded} "
    return any(f" {phrase} " in padded for phrase in CANCEL_PHRASES)


def intake_step(*, state: Any, text: str, fields: tuple[RequestField, ...], language: str) -> IntakeStep | None:
    """The guided exchange's answer to the customer's `text`, or None when it has nothing to say (no
    exchange under way and no request asked for, or a question in the middle that the assistant answers
    as usual while the exchange waits)."""
    if not fields:
        return None
    current = IntakeState.load(state)
    folded = fold(text)
    if current is None:
        kind = request_intent(text)
        if kind is None:
            return None
        started = IntakeState(kind=kind)
        return _next(started, fields, language, prefix=_say("start", language, kind=kind_name(kind, language)))
    if _is_cancel(folded):
        return IntakeStep(text=_say("cancelled", language), state=None, reason="The customer cancelled the request")
    tokens = folded.split()
    if current.confirming:
        if tokens and tokens[0] in YES:
            details = tuple((f, current.values.get(f.key, "")) for f in fields)
            return IntakeStep(
                text=recorded_text(current.kind, language),
                state=None,
                capture=RequestCapture(kind=current.kind, details=details),
                reason="The customer confirmed a request",
            )
        if tokens and tokens[0] in NO:
            return _next(IntakeState(kind=current.kind), fields, language, prefix=_say("again", language))
        return IntakeStep(text=_summary(current, fields, language), state=current.dump())
    missing = _missing(current, fields)
    if missing is None:
        return _next(current, fields, language)
    if "?" in text:
        return None  # a question in the middle ("¿cuánto cuesta?"): answered as usual, the exchange waits
    if all(t in GREETING_WORDS for t in tokens):
        return _next(current, fields, language)  # "hola" again is not a name: ask once more
    current.values[missing.key] = " ".join(text.split())[:MAX_VALUE_CHARS]
    return _next(current, fields, language)

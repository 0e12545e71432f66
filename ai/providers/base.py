"""The one small interface every reply provider implements, and the plain data it works on.

Providers receive plain dataclasses (no ORM objects), so they run the same in the worker, in the
preview endpoint and in bench scripts.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime

from ai.intake import RequestCapture, RequestField
from ai.matching import KnowledgeItem


@dataclass(frozen=True)
class PersonaBrief:
    business_name: str
    assistant_name: str = ""
    description: str = ""
    tone: str = ""
    greeting: str = ""
    business_hours: str = ""
    timezone: str = "America/Bogota"
    booking_instructions: str = ""
    address: str = ""
    conversion_goal: str = ""
    never_say: str = ""
    handoff_message: str = ""
    max_reply_chars: int = 700
    request_fields: tuple[RequestField, ...] = ()  # what a booking, order or call back needs (ai.intake)

    def facts(self) -> dict[str, str]:
        """The persona's own answers the offline matcher indexes beside the knowledge base, and (`about`)
        the words the business uses about itself, which tell a question about it from one about elsewhere."""
        return {
            "hours": self.business_hours,
            "address": self.address,
            "booking": self.booking_instructions,
            "about": f"{self.business_name} {self.description}",
        }


@dataclass(frozen=True)
class ChatTurn:
    """One earlier message: `role` is "customer" or "business" (AI or a person)."""

    role: str
    text: str


@dataclass
class ReplyRequest:
    persona: PersonaBrief
    message: str  # the customer's burst, one message per line
    language: str  # "es" or "en": the language to answer in
    knowledge: list[KnowledgeItem] = field(default_factory=list)
    history: list[ChatTurn] = field(default_factory=list)
    now: datetime | None = None


@dataclass
class ProviderReply:
    text: str
    handoff: bool = False
    reason: str = ""
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    knowledge_id: int | None = None
    off_topic: bool = False  # the customer asked for something outside the business: `text` redirects
    source: str = ""  # what answered offline: "knowledge", "hours", "address", "booking", "greeting", …
    request: RequestCapture | None = None  # the model called the record_request tool: record this


class ProviderError(Exception):
    """The provider could not produce a reply (network, timeout, HTTP error, empty answer)."""


class ReplyProvider(ABC):
    name: str = ""

    @abstractmethod
    def reply(self, request: ReplyRequest) -> ProviderReply:
        """A reply to the customer's message; raises ProviderError when it cannot."""

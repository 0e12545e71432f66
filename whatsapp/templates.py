"""Approved message templates as the product sends them: what may be asked for, and Meta's `template` object."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_PARAMETER = 1024
TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,4})?$")
PARAMETER_NAME = re.compile(r"^[a-z0-9_]{1,60}$")


class TemplateInputError(ValueError):
    """A template request that cannot be sent; `field` is the input field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class TemplateMessage:
    """An approved template to send: `parameters` is a list (positional) or a dict (named)."""

    name: str
    language: str
    parameters: list[str] | dict[str, str] = field(default_factory=list)

    @classmethod
    def from_input(cls, data: Any) -> TemplateMessage:
        """Check what a person or an integrator asked to send; TemplateInputError names the field at fault.

        `language` may also come in Meta's own `{"code": "es"}` form; `parameters` is a list (positional)
        or an object (named), each value a string or a number of 1 to MAX_PARAMETER characters.
        """
        if not isinstance(data, dict):
            raise TemplateInputError("template", "Send an object with name, language and parameters.")
        language = data.get("language")
        if isinstance(language, dict):
            language = language.get("code")
        name = data.get("name")
        if not isinstance(name, str) or not TEMPLATE_NAME.match(name):
            raise TemplateInputError("name", "Use the template's name: lowercase letters, digits and underscores.")
        if not isinstance(language, str) or not LANGUAGE_CODE.match(language):
            raise TemplateInputError("language", "Use a language code such as `es`, `en_US` or `pt_BR`.")
        return cls(name=name, language=language, parameters=_parameters(data.get("parameters")))

    def graph_object(self) -> dict[str, Any]:
        """Meta's `template` object: body parameters positional or named (`parameter_name`)."""
        template: dict[str, Any] = {"name": self.name, "language": {"code": self.language}}
        if isinstance(self.parameters, dict):
            parameters = [
                {"type": "text", "parameter_name": name, "text": str(value)} for name, value in self.parameters.items()
            ]
        else:
            parameters = [{"type": "text", "text": str(value)} for value in self.parameters]
        if parameters:
            template["components"] = [{"type": "body", "parameters": parameters}]
        return template

    def summary(self) -> str:
        """A readable line for inboxes and previews; the payload is what Meta receives."""
        values = self.parameters.values() if isinstance(self.parameters, dict) else self.parameters
        shown = ", ".join(str(v) for v in values)
        return f"[{self.name}] {shown}".strip()


def _parameters(value: Any) -> list[str] | dict[str, str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [_parameter_text(item) for item in value]
    if isinstance(value, dict):
        for name in value:
            if not PARAMETER_NAME.match(str(name)):
                raise TemplateInputError(
                    "parameters", f"Parameter name {name!r}: use lowercase letters, digits and underscores."
                )
        return {str(name): _parameter_text(item) for name, item in value.items()}
    raise TemplateInputError("parameters", "Send a list (positional) or an object (named parameters).")


def _parameter_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TemplateInputError("parameters", "Each parameter is a string or a number.")
    text = str(value).strip()
    if not text or len(text) > MAX_PARAMETER:
        raise TemplateInputError("parameters", f"Each parameter has 1 to {MAX_PARAMETER} characters.")
    return text

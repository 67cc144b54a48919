"""Approved WhatsApp templates (Twilio Content), per purpose and language, from one JSON file.

Outside the 24 hours after a person's last message WhatsApp allows only
approved templates. A deployer names a JSON file in WHATSAPP_TEMPLATES_FILE:

    {
      "purposes": {
        "broadcast":      {"en": {"content_sid": "HX…", "variables": {"1": "{programme}"}},
                           "so": {"content_sid": "HX…", "variables": {"1": "{programme}"}}},
        "concern_update": {"en": {"content_sid": "HX…", "variables": {"1": "{reference}"}}}
      },
      "questions": {
        "joining.consent": {"en": {"content_sid": "HX…", "variables": {"1": "{text}"}}}
      }
    }

A purpose is an outbox ``kind``; its template tells the person something is
waiting ("new health message: reply 1 to read"), and what waits is sent when
they answer. A question ("flow.step") may have a quick-reply or list-picker
template whose button ids are the question's choice ids; it replaces the
numbered lines. Variables are filled from ``{programme}``, ``{text}`` (a
question's text) and the values the writer attached to the message.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.settings import SettingsError
from flows.languages import CODES


class Template(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    content_sid: str = Field(pattern=r"^HX[0-9a-fA-F]{32}$")
    variables: dict[str, str] = Field(default_factory=dict)

    @field_validator("variables")
    @classmethod
    def _named_placeholders(cls, value: dict[str, str]) -> dict[str, str]:
        for text in value.values():
            for _literal, name, spec, conversion in string.Formatter().parse(text):
                if name is not None and (not name.isidentifier() or spec or conversion):
                    raise ValueError(f"use named placeholders like {{programme}}, not {text!r}")
        return value


ByLanguage = dict[str, Template]


class TemplateFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    purposes: dict[str, ByLanguage] = Field(default_factory=dict)
    questions: dict[str, ByLanguage] = Field(default_factory=dict)

    @field_validator("purposes", "questions")
    @classmethod
    def _known_languages(cls, value: dict[str, ByLanguage]) -> dict[str, ByLanguage]:
        for name, by_language in value.items():
            unknown = sorted(set(by_language) - set(CODES))
            if unknown:
                raise ValueError(f"{name}: unknown language {unknown[0]!r}")
        return value


@dataclass(frozen=True)
class Filled:
    content_sid: str
    variables: str  # JSON, as Twilio's ContentVariables wants it


class Templates:
    def __init__(self, file: TemplateFile | None = None) -> None:
        self.file = file or TemplateFile()

    @classmethod
    def load(cls, path: Path | None) -> Templates:
        """The deployer's templates; a broken file stops start-up with one line."""
        if path is None:
            return cls()
        try:
            return cls(TemplateFile.model_validate(json.loads(path.read_text("utf-8"))))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            problem = str(error).splitlines()[0]
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            problem = f"{where}: {str(first['msg']).removeprefix('Value error, ')}"
        raise SettingsError(f"champbot: setting WHATSAPP_TEMPLATES_FILE: {problem}")

    def for_purpose(self, kind: str, language: str) -> Template | None:
        return self.file.purposes.get(kind, {}).get(language)

    def for_question(self, question: str, language: str) -> Template | None:
        return self.file.questions.get(question, {}).get(language)


def fill(template: Template, values: Mapping[str, str]) -> Filled:
    """The template with its variables filled; KeyError names a value that is missing."""
    variables = {key: text.format_map(values) for key, text in template.variables.items()}
    return Filled(template.content_sid, json.dumps(variables, ensure_ascii=False))

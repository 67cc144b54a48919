"""Reading a server-rendered page as a person would: its words, its form, its language."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class Page:
    status: int
    html: str

    @classmethod
    def of(cls, response: httpx.Response) -> Page:
        return cls(response.status_code, response.text)

    @property
    def text(self) -> str:
        """The visible words, one space between them."""
        body = re.sub(r"(?s)<(style|script|head)\b.*?</\1>", " ", self.html)
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())

    def sees(self, words: str) -> bool:
        return words in self.text

    @property
    def direction(self) -> str | None:
        found = re.search(r'<html[^>]*\bdir="(\w+)"', self.html)
        return found.group(1) if found else None

    @property
    def form(self) -> dict[str, str]:
        """The form's hidden fields, as a browser would send them back."""
        return {name: html.unescape(value) for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)"', self.html)}

    @property
    def boxes(self) -> list[str]:
        return re.findall(r'<textarea[^>]*\bname="([^"]+)"', self.html)

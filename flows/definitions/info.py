"""Health information: browse short messages by topic, and send one in another language."""

from __future__ import annotations

from collections.abc import Sequence

from flows import languages
from flows.answers import Choose, Option
from flows.definitions.options import TOPICS
from flows.i18n import N_, _, language
from flows.steps import END, Context, Flow, Step
from flows.types import Reply
from flows.views import LibraryItem


def _library(ctx: Context) -> tuple[LibraryItem, ...]:
    items: tuple[LibraryItem, ...] = ctx.view("library")
    return items


def _topics(ctx: Context) -> Sequence[Option]:
    present = {item.topic for item in _library(ctx)}
    return [option for option in TOPICS if option.id in present]


def _messages(ctx: Context) -> Sequence[Option]:
    return [Option(item.slug, item.title(ctx.language), translate=False)
            for item in _library(ctx) if item.topic == ctx.answers.get("topic")]


def _chosen(ctx: Context) -> LibraryItem:
    return next(item for item in _library(ctx) if item.slug == ctx.answers.get("message"))


def as_text(item: LibraryItem, code: str) -> str:
    """The message as a champion would forward it, in language ``code``."""
    with language(code):
        source = _("Source: {name}", name=item.source_name)
    return f"{item.title(code)}\n\n{item.body(code)}\n\n{source}\n{item.source_url}"


def _read(ctx: Context) -> str:
    return as_text(_chosen(ctx), ctx.language) + "\n\n" + _("What would you like to do next?")


def _other_languages(ctx: Context) -> Sequence[Option]:
    item = _chosen(ctx)
    return [Option(lang.code, lang.native_name, translate=False) for lang in languages.LANGUAGES
            if lang.code in item.bodies and lang.code != ctx.language]


def _send(ctx: Context) -> Reply:
    code = str(ctx.answers["translation"])
    return Reply(as_text(_chosen(ctx), code), language=code)


def _next(ctx: Context) -> Sequence[Option]:
    offer = [Option("translation", N_("Send it in another language"))]
    return [*(offer if _other_languages(ctx) else []),
            Option("another", N_("Another message")), Option("menu", N_("Main menu"))]

INFO = Flow(
    id="info",
    steps=(
        Step("topic", N_("Which topic?"), Choose(_topics)),
        Step("message", N_("Which message would you like to read?"), Choose(_messages)),
        Step("read", _read, Choose(_next),
             next={"translation": "translation", "another": "topic", "menu": END}),
        Step("translation", N_("Which language should I send it in?"), Choose(_other_languages),
             send=_send),
        Step("sent", N_("Here it is, ready to forward. What would you like to do next?"),
             Choose(_next),
             next={"translation": "translation", "another": "topic", "menu": END}),
    ),
)

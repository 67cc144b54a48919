"""Words that work at every step, in every supported language and as slash commands."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flows.i18n import _, in_every_language, pgettext
from flows.text import fold, word_list


def NP_(context: str, message: str) -> tuple[str, str]:
    """Mark a message with a context for extraction; translated later."""
    return context, message


# The msgid is the English list; each translation lists that language's words.
# Translators: each "command" entry is a list of words, separated by commas, that a
# person may type in your language to do this. The first word is quoted in
# messages ("Send STOP to pause"), so make it the most natural single word.
# Add common spellings people type on their phones (also in Latin letters).
GLOBAL: dict[str, tuple[str, str]] = {
    "menu": NP_("command", "menu, main menu, home"),
    # Translators: words for help only, not "information": at the main menu that word names
    # "Health information". No word here may name an option of a main menu.
    "help": NP_("command", "help"),
    "back": NP_("command", "back, previous, go back"),
    # Not "cancel" first: on WhatsApp CANCEL is an opt-out word (it pauses everything).
    "cancel": NP_("command", "exit, cancel, abandon"),
    "language": NP_("command", "language, languages"),
    "stop": NP_("command", "stop, pause, unsubscribe"),
    "start": NP_("command", "start, resume, restart"),
    "forget": NP_("command", "forget, forget me, erase, delete me"),
    "mydata": NP_("command", "my data, mydata, what do you know about me"),
}

# Slash commands that open a flow directly (also listed in the main menu).
SHORTCUTS: dict[str, str] = {
    "log": "activity",
    "concern": "concern",
    "info": "info",
    "concerns": "concerns",
    "impact": "impact",
    "settings": "settings",
    "mydata": "mydata",
    "broadcast": "broadcast",  # coordinators only (the flow refuses others)
    # Coordinators: a sign-in link for the dashboard, and this month's impact as a chart.
    "dashboard": "dashboard",
    "chart": "programme_impact",
}

# Answer words: only understood where a question expects them.
# Translators: as above, a list of words separated by commas; the first is quoted.
ANSWERS: dict[str, tuple[str, str]] = {
    "yes": NP_("answer", "yes, y, ok, okay, yeah, agree, i agree, sure"),
    "no": NP_("answer", "no, n, nope, no thanks, i do not agree"),
    "skip": NP_("answer", "skip, pass, none, nothing"),
    "done": NP_("answer", "done, finished, that is all, ok done"),
}

SLASH = frozenset(GLOBAL) | frozenset(SHORTCUTS) | {"skip"}


@dataclass(frozen=True)
class Command:
    name: str
    argument: str = ""


@cache
def _global_words() -> dict[str, str]:
    words: dict[str, str] = {}
    for name, (context, msgid) in GLOBAL.items():
        for translated in in_every_language(context, msgid).values():
            for word in word_list(translated):
                words.setdefault(word, name)
    return words


def detect(text: str | None) -> Command | None:
    """The global command a message is, if it is one."""
    if not text:
        return None
    stripped = text.strip()
    if stripped.startswith("/"):
        head, _, rest = stripped[1:].partition(" ")
        name = head.split("@", 1)[0].casefold()
        if name in SLASH:
            return Command(name, rest.strip())
        # Any word that works on its own works after a slash too: /exit as exit.
        found = _global_words().get(fold(name)) if name else None
        return Command(found, rest.strip()) if found else None
    found = _global_words().get(fold(stripped))
    return Command(found) if found else None


def answer_words(name: str) -> frozenset[str]:
    """The words that mean ``name`` (yes, no, skip, done) in English and the current language."""
    context, msgid = ANSWERS[name]
    return word_list(msgid) | word_list(pgettext(context, msgid))


def is_answer(text: str | None, name: str) -> bool:
    return bool(text) and fold(text or "") in answer_words(name)


def first_word(name: str) -> str:
    """The first word for a command or answer in the current language, to quote in messages."""
    context, msgid = GLOBAL[name] if name in GLOBAL else ANSWERS[name]
    return pgettext(context, msgid).split(",")[0].strip().upper()


def summary() -> str:
    """The words that work everywhere, as a short list in the current language."""
    return _(
        "You can send these words at any time:\n"
        "{menu} – the main menu\n{back} – change your last answer\n"
        "{cancel} – stop what you are doing\n{language} – change language\n"
        "{help} – this help\n{stop} – pause all messages\n"
        "{mydata} – see what we hold about you\n{forget} – erase your details",
        menu=first_word("menu"), back=first_word("back"), cancel=first_word("cancel"),
        language=first_word("language"), help=first_word("help"), stop=first_word("stop"),
        mydata=first_word("mydata"), forget=first_word("forget"),
    )

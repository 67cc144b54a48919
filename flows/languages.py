"""The languages champbot speaks, and how a first guess at someone's language is made."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # what we store: a short, stable code
    english_name: str
    native_name: str  # shown in its own script when someone picks a language
    babel_locale: str  # what Babel formats dates and numbers with
    rtl: bool = False
    # Other ways people write its name when asked which language they want: the
    # everyday word for it in its own script, and common spellings in Latin letters.
    also: tuple[str, ...] = ()


LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", "English", "en_GB",
             also=("inglés", "inglês", "angielski", "engleză", "ingiriisi", "انجليزي",
                   "الإنجليزية", "انگریزی", "ইংরেজি", "અંગ્રેજી", "ਅੰਗਰੇਜ਼ੀ")),
    Language("ar", "Arabic", "العربية", "ar", rtl=True,
             also=("عربي", "عربى", "العربيه", "arabi", "arabic language")),
    Language("bn", "Bengali", "বাংলা", "bn", also=("bangla", "bengali language", "sylheti")),
    Language("gu", "Gujarati", "ગુજરાતી", "gu", also=("gujrati",)),
    Language("pl", "Polish", "Polski", "pl", also=("polskie", "po polsku", "polsku")),
    Language("pt", "Portuguese", "Português", "pt", also=("portugues do brasil", "brasileiro")),
    Language("pa", "Punjabi (Gurmukhi)", "ਪੰਜਾਬੀ", "pa_Guru", also=("punjabi", "panjabi")),
    Language("ro", "Romanian", "Română", "ro", also=("romaneste", "limba romana")),
    Language("so", "Somali", "Soomaali", "so", also=("af soomaali", "af-soomaali", "somali")),
    Language("ur", "Urdu", "اردو", "ur", rtl=True, also=("اُردو", "urdu language")),
)

BY_CODE: dict[str, Language] = {lang.code: lang for lang in LANGUAGES}
CODES: tuple[str, ...] = tuple(lang.code for lang in LANGUAGES)

# Country calling codes that suggest a language. Only unambiguous ones: India
# (+91) or the UK (+44) say nothing about which language someone reads.
_CALLING_CODES: dict[str, str] = {
    "48": "pl",
    "880": "bn",
    "92": "ur",
    "252": "so",
    "40": "ro",
    "373": "ro",
    "351": "pt",
    "55": "pt",
    "244": "pt",
    "258": "pt",
    "238": "pt",
    "20": "ar",
    "212": "ar",
    "213": "ar",
    "216": "ar",
    "218": "ar",
    "249": "ar",
    "961": "ar",
    "962": "ar",
    "963": "ar",
    "964": "ar",
    "965": "ar",
    "966": "ar",
    "967": "ar",
    "968": "ar",
    "971": "ar",
    "973": "ar",
    "974": "ar",
}


def get(code: str) -> Language:
    return BY_CODE.get(code, BY_CODE["en"])


def is_rtl(code: str) -> bool:
    return get(code).rtl


RLM = "\u200f"  # the right-to-left mark


def directed(text: str, code: str) -> str:
    """``text`` as it is sent in language ``code``: in a right-to-left language every line
    starts with a right-to-left mark, so one that opens with a digit or a Latin letter (a
    numbered choice, a reference such as C-1042, a name) still reads right to left. The
    one place every channel marks lines (Telegram, WhatsApp, the simulator)."""
    if not is_rtl(code):
        return text
    return "\n".join(RLM + line if line and not line.startswith(RLM) else line
                     for line in text.split("\n"))


def from_tag(tag: str | None) -> str | None:
    """A supported language for an IETF tag such as ``pt-br`` or ``ur_PK``."""
    if not tag:
        return None
    primary = tag.replace("_", "-").split("-", 1)[0].strip().lower()
    return primary if primary in BY_CODE else None


def from_calling_code(e164: str) -> str | None:
    """A language suggested by a phone number's country code (``+48…`` → Polish)."""
    digits = e164.lstrip("+")
    for length in (3, 2, 1):
        hit = _CALLING_CODES.get(digits[:length])
        if hit:
            return hit
    return None

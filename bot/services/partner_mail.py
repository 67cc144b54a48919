"""What a partner service reads by email: the urgent alert and the digest.

Content comes from the callers (a concern, a ``Digest``); this module only renders it as
plain text, HTML (``bot/templates/partner_email.html``) and, for a digest, a CSV of the
items, and writes one email per address through ``emails.enqueue_email``. Every item
carries signed links (single-purpose, one use, expiring, naming the escalation and the
partner) to the /act page (``bot/pages/escalation_links.py``), and a signed link to each
photo or voice note sent with it (``/media``, for that partner's people only), so a
partner reached only by email can see and hear them.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import casenotes, cells, concern_media, emails, links
from bot.settings import Settings
from bot.storage.models import Concern, Partner
from flows import languages
from flows.i18n import N_, _, language, number, translate

if TYPE_CHECKING:
    from bot.services.digests import Digest, Item

log = logging.getLogger(__name__)

# The partner's actions a link can do, in the order shown, with their labels.
ACTIONS = {"ack": N_("Acknowledge"), "progress": N_("In progress"), "done": N_("Resolved"),
           "notus": N_("Not for us")}
LINK_VALID = timedelta(days=14)
# A file's link outlives the next digests (working days, over a long weekend) with a margin.
MEDIA_VALID = LINK_VALID
CSV_COLUMNS = ("section", "reference", "category", "area", "urgency", "affected", "status",
               "raised", "words", "contact")


def purpose(action: str) -> str:
    """The link purpose for a partner's action on an escalation, e.g. ``escalation_ack``."""
    return f"escalation_{action}"


@dataclass(frozen=True)
class Block:
    """One item as the email shows it: a heading, its lines, its action links."""

    heading: str
    lines: Sequence[str]
    links: Sequence[tuple[str, str]]  # (label, address)
    files: Sequence[tuple[str, str]] = ()  # (label, address): a photo or voice note each


def addresses(partner: Partner) -> list[str]:
    """The partner's addresses the email channel can send to. Any other (one stored before
    addresses were checked as they are now) is skipped with a warning, so that it never
    stops a concern being saved nor another partner's digest."""
    usable = []
    for position, address in enumerate(partner.emails or (), start=1):
        try:
            usable.append(emails.normalise(str(address)))
        except emails.InvalidAddress as error:
            reason = (f"longer than {emails.MAX_ADDRESS} characters"
                      if isinstance(error, emails.AddressTooLong) else "not an email address")
            log.warning("partner %s: email address %s skipped (%s); correct it with "
                        "champbot partners edit", partner.id, position, reason,
                        extra={"partner_id": partner.id})
    return usable


def action_links(settings: Settings | None, escalation_id: int, partner_id: int,
                 code: str, now: datetime) -> tuple[tuple[str, str], ...]:
    """A signed link per action (in the current language); none when the links cannot be
    made (no PUBLIC_BASE_URL or SECRET_KEY): the email then says to answer in chat."""
    if settings is None or not settings.public_base_url or settings.secret_key is None:
        return ()
    subject = {"escalation": escalation_id, "partner": partner_id}
    return tuple((translate(label), links.action_url(
        settings, purpose(action), subject, now=now, valid_for=LINK_VALID, language=code))
        for action, label in ACTIONS.items())


def anonymous(item_links: Sequence[tuple[str, str]]) -> str:
    """What an item says where the champion asked to stay anonymous (an ``N_`` message): reply
    with its links, or in chat when the email has none (as its footer says then)."""
    return casenotes.ANONYMOUS_BY_EMAIL if item_links else casenotes.ANONYMOUS_IN_CHAT


def _footer(blocks: Sequence[Block], now: datetime) -> str:
    if any(block.links for block in blocks):
        until = (now + LINK_VALID).strftime("%Y-%m-%d")
        footer = _("Each link works once, until {date}.", date=until)
    else:
        footer = _("Send ACK and a reference (ACK C-1042) to acknowledge one, or open them "
                   "from the menu.")
    if any(block.files for block in blocks):
        until = (now + MEDIA_VALID).strftime("%Y-%m-%d")
        footer += " " + _("Links to photos and voice notes can be opened again until {date}.",
                          date=until)
    return footer


def stop_link(settings: Settings | None, address: str, now: datetime, code: str
              ) -> tuple[str, str] | None:
    """("Stop emails", the signed link that stops all email to ``address``), for every
    email that comes again (alerts, digests); None when links cannot be made."""
    if settings is None or not settings.public_base_url or settings.secret_key is None:
        return None
    return translate(N_("Stop emails")), emails.unsubscribe_url(settings, address, now, code)


def text_of(title: str, sections: Sequence[tuple[str, Sequence[Block]]],
            extra: Sequence[str], footer: str, stop: tuple[str, str] | None = None) -> str:
    out = [title]
    for heading, blocks in sections:
        if heading:
            out += ["", heading]
        for block in blocks:
            out += ["", block.heading, *block.lines]
            out += [f"{label}: {address}" for label, address in block.files]
            out += [f"{label}: {address}" for label, address in block.links]
    if extra:
        out += ["", *extra]
    out += ["", footer]
    if stop is not None:
        out += ["", f"{stop[0]}: {stop[1]}"]
    return "\n".join(out)


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("bot", "templates"),
                       autoescape=select_autoescape(default=True), auto_reload=False)


def html_of(title: str, sections: Sequence[tuple[str, Sequence[Block]]],
            extra_heading: str, extra: Sequence[str], footer: str, code: str,
            stop: tuple[str, str] | None = None) -> str:
    lang = languages.get(code)
    return _environment().get_template("partner_email.html").render(
        lang=lang.code, dir="rtl" if lang.rtl else "ltr", title=title, sections=sections,
        extra_heading=extra_heading, extra=extra, footer=footer, stop=stop)


async def alert(session: AsyncSession, settings: Settings | None, partner: Partner,
                escalation_id: int, concern: Concern, heading: str, now: datetime, *,
                kind: str = "alert") -> int:
    """The alert to each of the partner's addresses, now (call within the partner's
    language); the subject names the reference and the category."""
    to = addresses(partner)
    if not to:
        return 0
    subject = f"{heading} · {casenotes.category(concern.category)}"
    actions = action_links(settings, escalation_id, partner.id, partner.language, now)
    first, *lines = (await casenotes.describe(session, concern, anonymous(actions))
                     ).splitlines()
    files = concern_media.linkable(await concern_media.of_concern(session, concern.id))
    block = Block(first, lines, actions,
                  concern_media.partner_links(settings, files, partner.id, now, MEDIA_VALID))
    footer = _footer([block], now)
    for address in to:
        stop = stop_link(settings, address, now, partner.language)
        text = text_of(heading, [("", [block])], (), footer, stop)
        html = html_of(heading, [("", [block])], "", (), footer, partner.language, stop)
        await emails.enqueue_email(session, address, subject, text, now=now, kind=kind,
                                   html=html, language=partner.language,
                                   about_person_id=concern.person_id,
                                   unsubscribe_url=stop[1] if stop else None)
    return len(to)


def _block(settings: Settings | None, digest: Digest, item: Item, now: datetime) -> Block:
    actions = action_links(settings, item.escalation_id, digest.partner_id, digest.language,
                           now)
    lines = [_("Urgency: {urgency}. Affects: {affects}.", urgency=casenotes.urgency(item.urgency),
               affects=casenotes.affects(item.affects))]
    if item.words:
        lines.append(f"“{casenotes.excerpt(item.words)}”")
    lines.append(f"☎ {item.contact}" if item.contact else translate(anonymous(actions)))
    heading = f"{item.reference} · {casenotes.category(item.category)} · {item.area or '-'}"
    return Block(heading, lines, actions, concern_media.partner_links(
        settings, item.files, digest.partner_id, now, MEDIA_VALID))


def csv_of(digest: Digest) -> str:
    """The digest's items, one row each (codes, not labels, so a spreadsheet can sort)."""
    out = io.StringIO()
    writer = cells.Writer(out)
    writer.writerow(CSV_COLUMNS)
    for section, items in (("new", digest.new), ("open", digest.still_open)):
        for item in items:
            writer.writerow([section, item.reference, item.category, item.area or "",
                             item.urgency, item.affects or "", item.status,
                             item.raised_at.isoformat(timespec="minutes"), item.words or "",
                             item.contact or ""])
    return out.getvalue()


async def digest_email(session: AsyncSession, settings: Settings | None, partner: Partner,
                       digest: Digest, now: datetime) -> int:
    """The digest to each of the partner's addresses: text, HTML and the CSV."""
    to = addresses(partner)
    if not to:
        return 0
    with language(partner.language):
        title = _("Digest for {partner}", partner=partner.name)
        sections: list[tuple[str, Sequence[Block]]] = []
        if digest.new:
            sections.append((_("New: {count}", count=number(len(digest.new))),
                             [_block(settings, digest, i, now) for i in digest.new]))
        if digest.still_open:
            sections.append((_("Still open, oldest first: {count}",
                               count=number(len(digest.still_open))),
                             [_block(settings, digest, i, now) for i in digest.still_open]))
        heading = _("Patterns (last 30 days against the 30 before):") if digest.patterns else ""
        patterns = [casenotes.pattern_line(p) for p in digest.patterns]
        footer = _footer([b for _s, blocks in sections for b in blocks], now)
        written = []
        for address in to:
            stop = stop_link(settings, address, now, partner.language)
            written.append((address, stop, text_of(
                title, sections, [heading, *patterns] if patterns else [], footer, stop),
                html_of(title, sections, heading, patterns, footer, partner.language, stop)))
    attachment = emails.Attachment(f"digest-{now:%Y-%m-%d}.csv", "text/csv", csv_of(digest))
    for address, stop, text, html in written:
        row = await emails.enqueue_email(session, address, title, text, now=now, kind="digest",
                                         html=html, attachments=[attachment],
                                         language=partner.language,
                                         unsubscribe_url=stop[1] if stop else None)
        row.payload = {**row.payload, "digest": digest.to_dict()}
    return len(to)

"""Twilio's two webhooks: messages from people, and delivery statuses of ours.

Both are signed (signatures.py) and refused with 403 otherwise, before any
state changes. A message is handled on the one inbound path and committed
before we answer 200, so a 200 means it is safe; replies go out through the
outbox, never in the webhook's answer.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from twilio.twiml.messaging_response import MessagingResponse

from bot.app import App
from bot.channels.whatsapp import delivery, incoming, signatures
from bot.services import cleaning
from bot.services.inbound import handle

log = logging.getLogger(__name__)

INBOUND_PATH = "/twilio/whatsapp"
STATUS_PATH = "/twilio/status"
EMPTY_TWIML = str(MessagingResponse())


def routes(app: App) -> list[BaseRoute]:
    token = app.settings.twilio_auth_token
    assert token is not None and app.settings.public_base_url
    verifier = signatures.Verifier(token.get_secret_value(), app.settings.public_base_url)

    async def signed_fields(request: Request) -> dict[str, str]:
        # Signed means from Twilio, not well formed: a NUL in a sid we look up would
        # fail the query on PostgreSQL (a 500), so every field is cleaned first.
        fields = await verifier.fields(request)
        return {name: cleaning.text(value, signatures.MAX_BODY) for name, value in fields.items()}

    async def inbound(request: Request) -> Response:
        try:
            fields = await signed_fields(request)
            message = incoming.parse(fields, app.clock())
        except signatures.Refused as refused:
            log.warning("refused a WhatsApp webhook: %s", refused.reason)
            return PlainTextResponse(refused.reason, status_code=refused.status)
        except incoming.Malformed as problem:
            log.warning("signed WhatsApp webhook without what we need: %s", problem)
            return PlainTextResponse(str(problem), status_code=400)
        if message.choice_id and not message.choice_id.startswith("/"):
            # A button: which question it was under, so an old one is told apart.
            question = await delivery.question_of(
                app.database, fields.get("OriginalRepliedMessageSid"))
            message = replace(message, choice_question=question)
        await handle(app, message)
        return Response(EMPTY_TWIML, media_type="application/xml")

    async def status(request: Request) -> Response:
        try:
            fields = await signed_fields(request)
        except signatures.Refused as refused:
            log.warning("refused a Twilio status callback: %s", refused.reason)
            return PlainTextResponse(refused.reason, status_code=refused.status)
        sid, state = fields.get("MessageSid", ""), fields.get("MessageStatus", "")
        if not sid or not state:
            return PlainTextResponse("MessageSid and MessageStatus are needed", status_code=400)
        code = fields.get("ErrorCode", "").strip()
        update = delivery.StatusUpdate(sid, state.lower(), int(code) if code.isdigit() else None)
        if await delivery.record(app.database, update, app.clock()):
            app.outbox_ready.set()
        return Response(status_code=204)

    return [Route(INBOUND_PATH, inbound, methods=["POST"]),
            Route(STATUS_PATH, status, methods=["POST"])]

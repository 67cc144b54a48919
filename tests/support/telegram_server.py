"""A local Bot API server: enough of Telegram to run the bot against over real HTTP.

It keeps private chats with people and the messages the bot sent, as the person
sees them (text after HTML parsing, the keyboard as it is now). The bot fetches
updates by getUpdates (long polling, confirmed by offset) or receives them by
webhook (retried until answered 200, like Telegram). It checks what Telegram
checks (tests/support/telegram_rules.py) and can be told to fail like Telegram:
429 with retry_after, 403 for someone who blocked the bot, any 400.

Tests act as people through ``person()`` (tests/support/telegram_people.py): say
something, press a button, share a location, send a photo; then wait until they
see the bot's answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support import telegram_rules as rules
from tests.support.servers import serve
from tests.support.telegram_messages import BOT, Sent, message_json
from tests.support.telegram_people import Person

TOKEN = "123456:TEST-token"
JSON_FIELDS = ("reply_markup", "allowed_updates", "commands", "scope", "link_preview_options",
               "entities", "reply_parameters")
SENDING = ("sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPhoto",
           "sendVoice", "sendAudio", "sendVideo", "sendDocument")
WAIT = 15.0  # seconds a test waits for the bot before failing


class Failure(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after


@dataclass
class Call:
    at: float  # time.monotonic() when it arrived
    method: str
    chat_id: int | None
    status: int


@dataclass
class Scripted:
    method: str
    failure: Failure
    chat_id: int | None
    times: int
    after: int = 0  # matching calls to let through first


@dataclass
class FakeTelegram:
    token: str = TOKEN
    url: str = ""
    chats: dict[int, list[Sent]] = field(default_factory=dict)
    # What each chat was shown to read, in order: new messages and messages rewritten.
    log: dict[int, list[Sent]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    # A chat's own menu (BotCommandScopeChat), over the one for everyone.
    chat_commands: dict[int, list[dict[str, str]]] = field(default_factory=dict)
    answered: set[str] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)
    webhook: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pending: list[dict[str, Any]] = []  # updates not yet confirmed by the bot
        self.confirmed = 0  # highest update_id the bot has confirmed
        self.changed = asyncio.Condition()
        self.scripted: list[Scripted] = []
        self.queries: set[str] = set()
        self.update_ids = itertools.count(1)
        self.message_ids: dict[int, itertools.count[int]] = {}
        self.files: dict[str, bytes] = {}
        self.pusher: asyncio.Task[None] | None = None
        self.closing = False

    # -- running -------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[FakeTelegram]:
        routes = [Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
                  Route("/file/bot{token}/{path:path}", self._file)]
        async with serve(Starlette(routes=routes)) as url:
            self.url = url
            try:
                yield self
            finally:
                self.closing = True
                await self._notify()
                if self.pusher:
                    self.pusher.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await self.pusher

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    # -- what tests arrange --------------------------------------------------

    def person(self, chat_id: int, first_name: str = "Amina",
               language_code: str | None = "en") -> Person:
        self.chats.setdefault(chat_id, [])
        self.log.setdefault(chat_id, [])
        return Person(self, chat_id, first_name, language_code)

    def fail_next(self, method: str, status: int, description: str, *,
                  retry_after: int | None = None, chat_id: int | None = None,
                  times: int = 1, after: int = 0) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id``, if given) with this
        error, once ``after`` such calls have gone through."""
        self.scripted.append(Scripted(method, Failure(status, description, retry_after),
                                      chat_id, times, after))

    def sends(self, chat_id: int | None = None) -> list[Call]:
        """Accepted calls that put something in a chat (new messages and edits)."""
        return [c for c in self.calls if c.method in SENDING and c.status == 200
                and (chat_id is None or c.chat_id == chat_id)]

    async def wait_until(self, predicate: Callable[[], bool], what: str = "") -> None:
        async with self.changed:
            try:
                await asyncio.wait_for(self.changed.wait_for(predicate), WAIT)
            except TimeoutError:
                raise AssertionError(f"timed out waiting for {what or predicate}") from None

    async def handled(self, update_id: int) -> None:
        """Until the bot has confirmed the update (by offset, or by answering the webhook)."""
        await self.wait_until(lambda: self.confirmed >= update_id,
                              what=f"update {update_id} to be confirmed")

    # -- updates -------------------------------------------------------------

    async def add_update(self, body: dict[str, Any], update_id: int | None = None) -> int:
        update_id = update_id or next(self.update_ids)
        self.pending.append({"update_id": update_id, **body})
        await self._notify()
        return update_id

    async def redeliver(self, update_id: int, body: dict[str, Any]) -> None:
        """Send an update again, as Telegram does when it thinks it was not received."""
        self.confirmed = min(self.confirmed, update_id - 1)
        self.pending.insert(0, {"update_id": update_id, **body})
        await self._notify()

    def _confirm(self, below: int) -> None:
        self.pending = [u for u in self.pending if u["update_id"] >= below]
        self.confirmed = max(self.confirmed, below - 1)

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def _push(self) -> None:
        """Webhook delivery: in order, retried until the bot answers 200."""
        async with httpx.AsyncClient(timeout=30) as client:
            while not self.closing:
                async with self.changed:
                    await self.changed.wait_for(lambda: bool(self.pending) or self.closing)
                if self.closing or not self.webhook.get("url"):
                    return
                update = self.pending[0]
                try:
                    response = await client.post(
                        self.webhook["url"], json=update,
                        headers={"X-Telegram-Bot-Api-Secret-Token":
                                 self.webhook.get("secret_token") or ""})
                    delivered = response.status_code == 200
                except httpx.TransportError:
                    delivered = False
                if delivered:
                    self._confirm(update["update_id"] + 1)
                    await self._notify()
                else:
                    await asyncio.sleep(0.1)  # Telegram retries later; so do we

    # -- the API -------------------------------------------------------------

    async def _api(self, request: Request) -> Response:
        arrived = time.monotonic()  # where Telegram measures rates
        method = request.path_params["method"]
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401,
                                 "description": "Unauthorized"}, status_code=401)
        params = await _params(request)
        for key, value in list(params.items()):
            if isinstance(value, bytes):  # an uploaded file gets an id, as Telegram's do
                params[key] = f"uploaded-{len(self.files) + 1}"
                self.files[params[key]] = value
        chat_id = _int(params.get("chat_id"))
        handler = getattr(self, f"api_{method}", None)
        failure: Failure | None = None
        try:
            if handler is None:
                raise Failure(404, "Not Found")
            self._scripted(method, chat_id)
            if chat_id is not None and method in SENDING:
                self._reachable(chat_id)
            result = await handler(params)
        except rules.BadRequest as error:
            result, failure = None, Failure(400, str(error))
        except Failure as error:
            result, failure = None, error
        self.calls.append(Call(arrived, method, chat_id,
                               failure.status if failure else 200))
        await self._notify()
        if failure is None:
            return JSONResponse({"ok": True, "result": result})
        body: dict[str, Any] = {"ok": False, "error_code": failure.status,
                                "description": failure.description}
        if failure.retry_after is not None:
            body["parameters"] = {"retry_after": failure.retry_after}
        return JSONResponse(body, status_code=failure.status)

    def _scripted(self, method: str, chat_id: int | None) -> None:
        for script in self.scripted:
            if script.method == method and script.chat_id in (None, chat_id) and script.times:
                if script.after:
                    script.after -= 1
                    continue
                script.times -= 1
                raise script.failure

    def _reachable(self, chat_id: int) -> None:
        if chat_id in self.blocked:
            raise Failure(403, "Forbidden: bot was blocked by the user")
        if chat_id not in self.chats:
            raise rules.BadRequest("Bad Request: chat not found")

    async def api_getMe(self, params: dict[str, Any]) -> Any:
        return BOT

    async def api_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook.get("url"):
            raise Failure(409, "Conflict: can't use getUpdates method while webhook is "
                               "active; use deleteWebhook to delete the webhook first")
        offset = _int(params.get("offset"))
        if offset:
            self._confirm(offset)
            await self._notify()
        timeout = float(params.get("timeout") or 0)
        async with self.changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.changed.wait_for(lambda: bool(self.pending) or self.closing), timeout)
        return list(self.pending[: int(params.get("limit") or 100)])

    async def api_setWebhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if url and not url.startswith(("https://", "http://127.0.0.1")):
            raise rules.BadRequest("Bad Request: bad webhook: HTTPS url must be provided")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise rules.BadRequest("Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": secret,
                        "allowed_updates": params.get("allowed_updates")}
        if url and (self.pusher is None or self.pusher.done()):
            self.pusher = asyncio.create_task(self._push())
        return True

    async def api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {}
        if str(params.get("drop_pending_updates")).lower() == "true":
            self.pending.clear()
        return True

    async def api_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self.pending)}

    async def api_sendMessage(self, params: dict[str, Any]) -> Any:
        text, _ = rules.message_text(params.get("text"), params.get("parse_mode"))
        keyboard = rules.inline_keyboard(params.get("reply_markup"))
        return self._post(int(params["chat_id"]), Sent(0, 0, text, keyboard))

    async def api_editMessageText(self, params: dict[str, Any]) -> Any:
        sent = self._editable(params)
        text, _ = rules.message_text(params.get("text"), params.get("parse_mode"))
        keyboard = rules.inline_keyboard(params.get("reply_markup"))
        if text == sent.text and keyboard == sent.keyboard:
            raise rules.BadRequest("Bad Request: message is not modified: specified new "
                                   "message content and reply markup are exactly the same "
                                   "as a current content and reply markup of the message")
        sent.text, sent.keyboard, sent.edited = text, keyboard, True
        return self._logged(sent)

    async def api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        sent = self._editable(params)
        keyboard = rules.inline_keyboard(params.get("reply_markup"))
        if keyboard == sent.keyboard:
            raise rules.BadRequest("Bad Request: message is not modified")
        sent.keyboard, sent.edited = keyboard, True
        return message_json(sent)  # the same text: nothing new to read

    async def api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        query = str(params.get("callback_query_id"))
        if query not in self.queries or query in self.answered:
            raise rules.BadRequest("Bad Request: query is too old and response timeout "
                                   "expired or query ID is invalid")
        self.answered.add(query)
        return True

    async def api_setMyCommands(self, params: dict[str, Any]) -> Any:
        language = str(params.get("language_code") or "")
        commands = rules.commands(params.get("commands"), language)
        chat = rules.scope_chat(params.get("scope"))
        if chat is not None:
            self.chat_commands[chat] = commands
        else:
            self.commands[language] = commands
        return True

    async def api_deleteMyCommands(self, params: dict[str, Any]) -> Any:
        chat = rules.scope_chat(params.get("scope"))
        if chat is not None:
            self.chat_commands.pop(chat, None)
        else:
            self.commands.pop(str(params.get("language_code") or ""), None)
        return True

    async def api_getMyCommands(self, params: dict[str, Any]) -> Any:
        chat = rules.scope_chat(params.get("scope"))
        if chat is not None:
            return self.chat_commands.get(chat, [])
        return self.commands.get(str(params.get("language_code") or ""), [])

    async def api_sendPhoto(self, params: dict[str, Any]) -> Any:
        return self._media("photo", params)

    async def api_sendVoice(self, params: dict[str, Any]) -> Any:
        return self._media("voice", params)

    async def api_sendAudio(self, params: dict[str, Any]) -> Any:
        return self._media("audio", params)

    async def api_sendVideo(self, params: dict[str, Any]) -> Any:
        return self._media("video", params)

    async def api_sendDocument(self, params: dict[str, Any]) -> Any:
        return self._media("document", params)

    async def api_getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise rules.BadRequest("Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": f"u{file_id}",
                "file_size": len(self.files[file_id]), "file_path": f"files/{file_id}"}

    async def _file(self, request: Request) -> Response:
        file_id = request.path_params["path"].removeprefix("files/")
        if request.path_params["token"] != self.token or file_id not in self.files:
            return Response(status_code=404)
        return Response(self.files[file_id])

    def _media(self, kind: str, params: dict[str, Any]) -> Any:
        file_id = str(params.get(kind) or "")
        if file_id not in self.files:
            raise rules.BadRequest("Bad Request: wrong file identifier/HTTP URL specified")
        caption, _ = rules.message_text(params.get("caption") or "", params.get("parse_mode"),
                                        rules.MAX_CAPTION, empty_ok=True)
        sent = Sent(0, 0, caption, rules.inline_keyboard(params.get("reply_markup")),
                    kind=kind, file_id=file_id)
        return self._post(int(params["chat_id"]), sent)

    def _post(self, chat_id: int, sent: Sent) -> dict[str, Any]:
        sent.chat_id, sent.message_id = chat_id, self.next_message_id(chat_id)
        self.chats[chat_id].append(sent)
        return self._logged(sent)

    def _logged(self, sent: Sent) -> dict[str, Any]:
        self.log[sent.chat_id].append(Sent(**vars(sent)))  # a snapshot of what was seen
        return message_json(sent)

    def _editable(self, params: dict[str, Any]) -> Sent:
        chat_id, message_id = _int(params.get("chat_id")), _int(params.get("message_id"))
        for sent in self.chats.get(chat_id or 0, []):
            if sent.message_id == message_id:
                if not sent.from_bot:
                    raise rules.BadRequest("Bad Request: message can't be edited")
                return sent
        raise rules.BadRequest("Bad Request: message to edit not found")

    def next_message_id(self, chat_id: int) -> int:
        return next(self.message_ids.setdefault(chat_id, itertools.count(1)))


async def _params(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        return dict(await request.json())
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        # A file upload (sendPhoto with the picture itself): files come back as bytes.
        found: dict[str, Any] = {}
        async with request.form() as form:
            for key, value in form.multi_items():
                if isinstance(value, str):
                    found[key] = json.loads(value) if key in JSON_FIELDS else value
                else:
                    found[key] = await value.read()
        return found
    # python-telegram-bot posts form fields, JSON-encoding the structured ones.
    form = parse_qsl((await request.body()).decode(), keep_blank_values=True)
    return {key: json.loads(value) if key in JSON_FIELDS else value for key, value in form}


def _int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)

"""A local Discord stand-in: REST API under /api/v10 and a gateway, on 127.0.0.1 only.

The real discord.py client logs in, connects, receives READY, handles interactions and answers
them against this server, so tests can assert on exactly what Discord would have received.

Typical use::

    from tests.discord_standin import DiscordStandIn, point_discord_at, running_bot

    async def test_something() -> None:
        async with DiscordStandIn() as standin, point_discord_at(standin):
            bot = MyBot(application_id=int(standin.application_id), guild_ready_timeout=0.1)
            async with running_bot(bot, standin):
                interaction_id = await standin.send_command("ping", {"text": "hi"})
                body = await standin.wait_for_callback(interaction_id)
                assert body["type"] == 4

Or use the ``discord_standin`` fixture below (it also points discord.py at the stand-in).
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple, Self, TypeVar

import aiohttp
import discord
import pytest_asyncio
import yarl
from aiohttp import web

__all__ = [
    "CommandPut",
    "DiscordStandIn",
    "RecordedCallback",
    "RecordedFile",
    "RecordedMessage",
    "RecordedRequest",
    "discord_standin",
    "join_keep_alive_threads",
    "point_discord_at",
    "running_bot",
    "serving_standin",
    "validate_message_body",
]

T = TypeVar("T")
JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000
API_PREFIX = "/api/v10"
EPHEMERAL = 1 << 6
LOADING = 1 << 7
IS_COMPONENTS_V2 = 1 << 15
ALL_PERMISSIONS = str((1 << 51) - 1)
DEFAULT_PERMISSIONS = "2248473465835073"  # a member with the usual text permissions
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
RESPONSE_DEADLINE = 3.0
"""Discord's limit, in seconds, for the first reply to an interaction."""

# Gateway opcodes.
OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_PRESENCE, OP_VOICE_STATE = 0, 1, 2, 3, 4
OP_RESUME, OP_RECONNECT, OP_REQUEST_MEMBERS, OP_INVALID_SESSION = 6, 7, 8, 9
OP_HELLO, OP_HEARTBEAT_ACK = 10, 11

# Interaction types and interaction callback types.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
PONG, CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 1, 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL, LAUNCH_ACTIVITY = 8, 9, 12
CALLBACK_TYPES = {1, 4, 5, 6, 7, 8, 9, 10, 12}


class RecordedFile(NamedTuple):
    """A file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RecordedRequest:
    """One REST call as the stand-in received it.

    ``path`` is relative to ``/api/v10`` (e.g. ``"/users/@me"``); ``json`` is the decoded JSON
    body (or a multipart request's ``payload_json``), else None. ``status`` is what the stand-in
    answered; ``unknown`` is True when no route matched (answered 404).
    """

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[RecordedFile] = field(default_factory=list)
    status: int = 0
    unknown: bool = False


class RecordedCallback(NamedTuple):
    """A POST /interactions/{id}/{token}/callback body discord.py sent."""

    interaction_id: str
    token: str
    body: JSON
    files: list[RecordedFile]


class CommandPut(NamedTuple):
    """A bulk overwrite of application commands (global or guild)."""

    path: str
    body: list[JSON]


class RecordedMessage(NamedTuple):
    """A message created, edited or deleted through REST (not an interaction callback).

    ``kind`` is one of "channel", "edit_channel", "delete_channel" (``/channels/{id}/messages``),
    "followup", "edit_followup", "delete_followup" (``/webhooks/{app}/{token}``),
    "edit_original", "delete_original" (``/webhooks/{app}/{token}/messages/@original``).
    ``body`` is what discord.py sent (None for deletes); ``message`` the resulting message.
    """

    kind: str
    method: str
    path: str
    body: JSON | None
    message: JSON


@dataclass
class _Fault:
    method: str
    pattern: str
    remaining: int
    status: int
    body: Any
    headers: dict[str, str]


@dataclass
class _Session:
    session_id: str
    shard: list[int] | None
    seq: int = 0
    events: list[JSON] = field(default_factory=list)
    resumable: bool = True
    conn: _Connection | None = None


@dataclass(eq=False)
class _Connection:
    number: int
    ws: web.WebSocketResponse
    request: web.Request
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    session: _Session | None = None
    live: bool = False
    dropped: bool = False


@dataclass(eq=False)
class _Interaction:
    id: str
    token: str
    type: int
    payload: JSON
    channel_id: str
    message_id: str | None = None  # the component's message, for component interactions
    responded: bool = False
    original_id: str | None = None
    followups: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.monotonic)


class _Snowflakes:
    """Discord-shaped ids: timestamp << 22 | worker | increment."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return str((ms << 22) | (1 << 17) | (next(self._counter) & 0xFFF))


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON response with Content-Type exactly "application/json" (as discord.py requires)."""
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _error(status: int, message: str, code: int, errors: JSON | None = None) -> web.Response:
    body: JSON = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return _json_response(body, status)


def _walk_components(components: list[JSON]) -> Iterator[JSON]:
    for component in components or []:
        yield component
        yield from _walk_components(component.get("components") or [])
        accessory = component.get("accessory")
        if accessory:
            yield accessory


def _nest_errors(problems: list[tuple[tuple[str, ...], str, str]]) -> JSON:
    """Discord's "Invalid Form Body" error tree from (path, code, message) triples."""
    tree: JSON = {}
    for path, code, message in problems:
        node = tree
        for part in path:
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return tree


def _check_length(
    problems: list[tuple[tuple[str, ...], str, str]],
    path: tuple[str, ...],
    value: Any,
    maximum: int,
    *,
    required: bool = False,
) -> int:
    if value is None:
        if required:
            problems.append((path, "BASE_TYPE_REQUIRED", "This field is required"))
        return 0
    text = str(value)
    if required and not text:
        problems.append((path, "BASE_TYPE_REQUIRED", "This field is required"))
    if len(text) > maximum:
        problems.append((path, "BASE_TYPE_MAX_LENGTH", f"Must be {maximum} or fewer in length."))
    return len(text)


def validate_message_body(body: JSON | None) -> list[tuple[tuple[str, ...], str, str]]:
    """Check a message body against Discord's documented limits; return the problems found.

    Covers content (2000), embeds (10 per message; title 256, description 4096, 25 fields of
    256/1024, footer 2048, author 256, 6000 characters in total) and classic components
    (5 action rows of at most 5 buttons; labels 80, custom ids 100, 25 select options).
    """
    problems: list[tuple[tuple[str, ...], str, str]] = []
    if not body:
        return problems
    _check_length(problems, ("content",), body.get("content"), 2000)
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        problems.append((("embeds",), "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length."))
    total = 0
    for index, embed in enumerate(embeds):
        at = ("embeds", str(index))
        total += _check_length(problems, (*at, "title"), embed.get("title"), 256)
        total += _check_length(problems, (*at, "description"), embed.get("description"), 4096)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems.append(((*at, "fields"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer."))
        for number, embed_field in enumerate(fields):
            where = (*at, "fields", str(number))
            name, value = embed_field.get("name"), embed_field.get("value")
            total += _check_length(problems, (*where, "name"), name, 256, required=True)
            total += _check_length(problems, (*where, "value"), value, 1024, required=True)
        footer = embed.get("footer") or {}
        total += _check_length(problems, (*at, "footer", "text"), footer.get("text"), 2048)
        author = embed.get("author") or {}
        total += _check_length(problems, (*at, "author", "name"), author.get("name"), 256)
    if total > 6000:
        problems.append(
            (("embeds",), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
        )
    flags = int(body.get("flags") or 0)
    components = body.get("components") or []
    if not flags & IS_COMPONENTS_V2:
        if len(components) > 5:
            problems.append((("components",), "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer."))
        for row_index, row in enumerate(components):
            children = row.get("components") or []
            if len(children) > 5:
                where = ("components", str(row_index), "components")
                problems.append((where, "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer."))
            for child_index, child in enumerate(children):
                where = ("components", str(row_index), "components", str(child_index))
                _check_length(problems, (*where, "label"), child.get("label"), 80)
                _check_length(problems, (*where, "custom_id"), child.get("custom_id"), 100)
                if len(child.get("options") or []) > 25:
                    problems.append(((*where, "options"), "BASE_TYPE_MAX_LENGTH", "Max 25."))
    return problems


def _validate_choices(data: JSON | None) -> list[tuple[tuple[str, ...], str, str]]:
    problems: list[tuple[tuple[str, ...], str, str]] = []
    choices = (data or {}).get("choices") or []
    if len(choices) > 25:
        problems.append((("choices",), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
    for index, choice in enumerate(choices):
        at = ("choices", str(index))
        _check_length(problems, (*at, "name"), choice.get("name"), 100, required=True)
        if isinstance(choice.get("value"), str):
            _check_length(problems, (*at, "value"), choice["value"], 100)
    return problems


_Handler = Callable[[web.Request, RecordedRequest, dict[str, str]], Awaitable[web.StreamResponse]]


class DiscordStandIn:
    """Discord's REST API (``/api/v10``) and gateway (``/gateway``) on 127.0.0.1.

    Everything the bot sends is recorded: ``requests`` (every REST call), ``callbacks``
    (interaction responses), ``command_puts`` (command syncs), ``messages`` (channel messages,
    followups and edits) and ``gateway_received`` (every gateway payload). Tests drive the bot
    with ``send_command``, ``send_autocomplete``, ``send_component``, ``send_interaction`` or
    ``dispatch``, and break the connection with ``drop_connection``.
    """

    def __init__(
        self,
        *,
        heartbeat_interval: int = 45_000,
        token: str | None = None,
        validate: bool = True,
        guild_name: str = "Stand-in Guild",
    ) -> None:
        """Create a stand-in; nothing listens until ``start()``.

        ``heartbeat_interval`` is sent in HELLO (milliseconds). ``token``, if given, is the only
        bot token accepted (REST answers 401, IDENTIFY is closed with 4004); by default any token
        works. ``validate`` rejects messages over Discord's limits with 400 "Invalid Form Body".
        """
        self.heartbeat_interval = heartbeat_interval
        self.token = token
        self.validate = validate
        self.ack_heartbeats = True
        """Set to False to stop answering heartbeats (a "zombie" connection)."""
        self.response_deadline: float | None = RESPONSE_DEADLINE
        """Seconds an interaction may wait for its first reply (Discord: 3); later is 10062."""
        self.late_callbacks = 0
        """First replies that came after the deadline (and were refused, as Discord does)."""

        self._snowflake = _Snowflakes()
        self.application_id: str = self._snowflake()
        self.guild_id: str = self._snowflake()
        self.channel_id: str = self._snowflake()
        self.guilds: dict[str, str] = {self.guild_id: self.channel_id}
        """Every guild the bot is in, with its text channel (add more with ``add_guild``)."""
        self.bot_user: JSON = {
            "id": self.application_id,  # Discord bots share their application's id
            "username": "Stand-in Bot",
            "global_name": None,
            "discriminator": "0001",
            "avatar": None,
            "bot": True,
            "system": False,
            "public_flags": 0,
            "flags": 0,
            "verified": True,
            "mfa_enabled": False,
            "email": None,
            "locale": "en-US",
        }
        self.user: JSON = self.new_user("member", global_name="Member")
        self.guild_name = guild_name

        self.requests: list[RecordedRequest] = []
        self.callbacks: list[RecordedCallback] = []
        self.command_puts: list[CommandPut] = []
        self.messages: list[RecordedMessage] = []
        self.gateway_received: list[JSON] = []
        self.gateway_queries: list[dict[str, str]] = []
        self.identify_payloads: list[JSON] = []
        self.resume_payloads: list[JSON] = []
        self.presence_updates: list[JSON] = []
        self.identifies = 0
        self.resumes = 0
        self.invalid_sessions = 0
        self.heartbeats = 0
        self.drops = 0

        self.global_commands: list[JSON] = []
        self.guild_commands: dict[str, list[JSON]] = {}
        self._command_ids: dict[tuple[str | None, str, int], str] = {}
        self._dm_channels: dict[str, str] = {}
        self._messages_by_id: dict[str, JSON] = {}
        self._interactions: dict[str, _Interaction] = {}
        self._tokens: dict[str, _Interaction] = {}
        self._faults: list[_Fault] = []
        self._sessions: dict[str, _Session] = {}
        self._connections: set[_Connection] = set()
        self._connection_numbers = itertools.count(1)
        self._live: _Connection | None = None
        self._live_shards: dict[int, _Connection] = {}
        self._last_dropped = 0
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._routes: list[tuple[str, re.Pattern[str], _Handler]] = self._route_table()

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> Self:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=2.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        """Cut every gateway connection and stop listening."""
        for conn in list(self._connections):
            conn.live = False
            conn.dropped = True
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
        self._live = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        """What ``discord.http.Route.BASE`` must be, e.g. ``http://127.0.0.1:PORT/api/v10``."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """The websocket gateway, e.g. ``ws://127.0.0.1:PORT/gateway``."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    # ----------------------------------------------------------------- waiting

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(
        self, predicate: Callable[[], T], timeout: float = 5.0, what: str = "condition"
    ) -> T:
        """Wait until ``predicate()`` is truthy (re-checked whenever the stand-in records
        something) and return its value; raise TimeoutError naming ``what`` otherwise."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    value = predicate()
                    if value:
                        return value
                    await self._changed.wait()
        except TimeoutError:
            recent = [f"{r.method} {r.path} -> {r.status}" for r in self.requests[-8:]]
            raise TimeoutError(
                f"stand-in: timed out after {timeout}s waiting for {what}; "
                f"recent requests: {recent}; callbacks: {len(self.callbacks)}"
            ) from None

    async def wait_until_ready(self, timeout: float = 10.0) -> None:
        """Until the bot has IDENTIFIED (or RESUMED) and been sent READY and GUILD_CREATE."""
        await self.wait_for(lambda: self._live, timeout, "the bot to identify")

    async def wait_until_reconnected(self, timeout: float = 10.0, since: int | None = None) -> None:
        """Until a connection newer than ``since`` (default: the last one ``drop_connection``
        cut; see ``connection_number``) has resumed or identified."""
        after = self._last_dropped if since is None else since
        await self.wait_for(
            lambda: self._live is not None and self._live.number > after,
            timeout,
            "the bot to reconnect",
        )

    @property
    def connection_number(self) -> int:
        """The number of the live gateway connection (1, 2, ...; 0 if none is live)."""
        return self._live.number if self._live is not None else 0

    async def wait_for_callback(self, interaction_id: str, timeout: float = 5.0) -> JSON:
        """The body discord.py sent to answer an interaction: ``{"type": ..., "data": ...}``."""

        def find() -> JSON | None:
            for callback in self.callbacks:
                if callback.interaction_id == str(interaction_id):
                    return callback.body
            return None

        return await self.wait_for(find, timeout, f"a callback for interaction {interaction_id}")

    async def wait_for_reply(self, interaction_id: str, timeout: float = 5.0) -> JSON:
        """What the member finally sees: the callback body, or for a deferred reply
        (type 5) ``{"type": 5, "data": message}`` once its first followup has filled it in."""
        body = await self.wait_for_callback(interaction_id, timeout)
        if body.get("type") != DEFERRED_CHANNEL_MESSAGE:
            return body
        interaction = self._interactions[str(interaction_id)]

        def filled() -> JSON | None:
            if not interaction.followups:
                return None
            return {
                "type": DEFERRED_CHANNEL_MESSAGE,
                "data": self._messages_by_id[interaction.followups[0]],
            }

        return await self.wait_for(filled, timeout, f"the reply to interaction {interaction_id}")

    async def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[RecordedMessage]:
        """Until at least ``count`` messages are recorded; returns ``messages``."""
        await self.wait_for(lambda: len(self.messages) >= count, timeout, f"{count} message(s)")
        return self.messages

    def requested(self, method: str, path: str) -> list[RecordedRequest]:
        """Recorded requests with this method whose path matches ``path`` (fnmatch pattern)."""
        return [
            r
            for r in self.requests
            if r.method == method.upper() and fnmatch.fnmatchcase(r.path, path)
        ]

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        """Requests no route matched (answered 404 ``{"message": "Unknown", "code": 0}``)."""
        return [r for r in self.requests if r.unknown]

    def message(self, message_id: str) -> JSON | None:
        """The current state of a message the bot created (any route), or None."""
        return self._messages_by_id.get(str(message_id))

    def original_response(self, interaction_id: str) -> JSON | None:
        """The message an interaction's response created or edited, or None."""
        interaction = self._interactions.get(str(interaction_id))
        if interaction is None or interaction.original_id is None:
            return None
        return self._messages_by_id.get(interaction.original_id)

    # ----------------------------------------------------------------- faults

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests matching ``method`` and ``path`` (an fnmatch
        pattern relative to /api/v10, e.g. ``"/interactions/*/callback"``) with this error."""
        if body is None:
            body = {"message": "Stand-in injected error", "code": 0}
        self._faults.append(_Fault(method.upper(), path, times, status, body, headers or {}))

    def rate_limit_next(
        self,
        method: str,
        path: str,
        *,
        times: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> None:
        """Answer the next ``times`` matching requests with a real-looking 429 (Via header,
        JSON ``retry_after``), which discord.py sleeps through and retries."""
        headers = {
            "Via": "1.1 google",
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
        }
        self.fail_next(method, path, status=429, body=body, headers=headers, times=times)

    # ----------------------------------------------------------------- payload builders

    def new_user(
        self, username: str = "someone", *, global_name: str | None = None, user_id: str = ""
    ) -> JSON:
        """A user object for someone else (for ``user=`` in ``send_*``)."""
        return {
            "id": user_id or self._snowflake(),
            "username": username,
            "global_name": global_name if global_name is not None else username.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": False,
            "system": False,
            "public_flags": 0,
        }

    def _public_bot_user(self) -> JSON:
        keys = ("id", "username", "global_name", "discriminator", "avatar", "bot", "public_flags")
        return {key: self.bot_user[key] for key in keys}

    def _full_user(self, user: JSON | None) -> JSON:
        return dict(self.user) if user is None else {**self.new_user(), **user}

    def _member(self, user: JSON, permissions: str = DEFAULT_PERMISSIONS) -> JSON:
        return {
            "user": user,
            "roles": [],
            "nick": None,
            "avatar": None,
            "banner": None,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
            "permissions": permissions,
        }

    def add_guild(self, shard: int | None = None, shard_count: int = 1) -> str:
        """Another guild (with a text channel) the bot is in; on ``shard`` of ``shard_count``
        when given (Discord's rule: ``(guild_id >> 22) % shard_count``). Returns its id."""
        while True:
            guild_id = self._snowflake()
            if shard is None or (int(guild_id) >> 22) % shard_count == shard:
                break
        self.guilds[guild_id] = self._snowflake()
        return guild_id

    @staticmethod
    def shard_of(guild_id: str, shard_count: int) -> int:
        """The shard a guild's events go to."""
        return (int(guild_id) >> 22) % max(1, shard_count)

    def text_channel(self, guild_id: str | None = None) -> JSON:
        """A guild's text channel (the test guild's by default)."""
        guild_id = guild_id or self.guild_id
        return {
            "id": self.guilds[guild_id],
            "type": 0,
            "guild_id": guild_id,
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def guild_payload(self, guild_id: str | None = None) -> JSON:
        """The GUILD_CREATE payload for a guild (the test guild by default)."""
        guild_id = guild_id or self.guild_id
        channel_id = self.guilds[guild_id]
        return {
            "id": guild_id,
            "name": self.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": self.user["id"],
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "system_channel_id": channel_id,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "preferred_locale": "en-US",
            "features": [],
            "application_id": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "roles": [
                {
                    "id": guild_id,
                    "name": "@everyone",
                    "color": 0,
                    "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                    "hoist": False,
                    "icon": None,
                    "unicode_emoji": None,
                    "position": 0,
                    "permissions": DEFAULT_PERMISSIONS,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "emojis": [],
            "stickers": [],
            "channels": [self.text_channel(guild_id)],
            "threads": [],
            "members": [self._member(self._public_bot_user())],
            "member_count": 2,
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "large": False,
            "unavailable": False,
            "lazy": True,
        }

    def application_payload(self) -> JSON:
        """GET /oauth2/applications/@me."""
        return {
            "id": self.application_id,
            "name": "Stand-in Application",
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": self.user,
            "team": None,
            "bot": self._public_bot_user(),
            "rpc_origins": [],
            "redirect_uris": [],
            "tags": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": 1,
        }

    def _message_object(
        self,
        body: JSON | None,
        *,
        channel_id: str,
        interaction: _Interaction | None = None,
        original: bool = False,
        extra_flags: int = 0,
    ) -> JSON:
        body = body or {}
        message: JSON = {
            "id": self._snowflake(),
            "type": 20 if original and interaction and interaction.type == 2 else 0,
            "channel_id": channel_id,
            "author": self._public_bot_user(),
            "content": body.get("content") or "",
            "tts": bool(body.get("tts", False)),
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "flags": int(body.get("flags") or 0) | extra_flags,
            "timestamp": _now(),
            "edited_timestamp": None,
        }
        if body.get("poll"):
            message["poll"] = body["poll"]
        if interaction is not None:
            message["webhook_id"] = self.application_id
            message["application_id"] = self.application_id
            payload = interaction.payload
            user = payload.get("member", {}).get("user") or payload.get("user") or self.user
            message["interaction_metadata"] = {
                "id": interaction.id,
                "type": interaction.type,
                "user": user,
                "authorizing_integration_owners": payload.get("authorizing_integration_owners", {}),
            }
        self._messages_by_id[message["id"]] = message
        return message

    def _attach_files(self, message: JSON, body: JSON | None, files: list[RecordedFile]) -> None:
        described = {str(a.get("id")): a for a in (body or {}).get("attachments") or []}
        attachments = [a for a in message.get("attachments", []) if "url" in a]
        for index, upload in enumerate(files):
            meta = described.get(str(index), {})
            attachment_id = self._snowflake()
            url = f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{upload.filename}"
            attachments.append(
                {
                    "id": attachment_id,
                    "filename": upload.filename,
                    "size": len(upload.data),
                    "url": url,
                    "proxy_url": url,
                    "content_type": upload.content_type,
                    "description": meta.get("description"),
                }
            )
        message["attachments"] = attachments

    def _edit(self, message: JSON, body: JSON | None, files: list[RecordedFile]) -> JSON:
        body = body or {}
        for key in ("content", "embeds", "components", "poll"):
            if key in body:
                empty: Any = "" if key == "content" else []
                message[key] = body[key] if body[key] is not None else empty
        if "flags" in body and body["flags"] is not None:
            message["flags"] = int(body["flags"]) | (message["flags"] & EPHEMERAL)
        if "attachments" in body or files:
            kept = {str(a.get("id")) for a in body.get("attachments") or []}
            message["attachments"] = [a for a in message["attachments"] if a["id"] in kept]
            self._attach_files(message, body, files)
        message["edited_timestamp"] = _now()
        return message

    # ----------------------------------------------------------------- interactions

    async def send_interaction(
        self,
        interaction_type: int,
        data: JSON | None,
        *,
        user: JSON | None = None,
        guild: bool = True,
        locale: str = "en-US",
        message: JSON | None = None,
        timeout: float = 5.0,
        guild_id: str | None = None,
        shard: int | None = None,
    ) -> str:
        """Dispatch INTERACTION_CREATE with any ``type``/``data``; returns the interaction id.

        In the guild's text channel (as ``self.user`` unless ``user`` is given) or, with
        ``guild=False``, in a DM with the bot. ``message`` is the message a component was on.
        ``guild_id`` picks another guild (``add_guild``); the event goes to that guild's shard
        (DMs: shard 0) unless ``shard`` names the connection to send it on.
        """
        guild_id = guild_id or self.guild_id
        interaction_id = self._snowflake()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)
        member_user = self._full_user(user)
        payload: JSON = {
            "id": interaction_id,
            "application_id": self.application_id,
            "type": interaction_type,
            "token": token,
            "version": 1,
            "locale": locale,
            "app_permissions": ALL_PERMISSIONS,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if data is not None:
            payload["data"] = data
        if guild:
            channel_id = self.guilds[guild_id]
            payload.update(
                guild_id=guild_id,
                guild={"id": guild_id, "locale": "en-US", "features": []},
                guild_locale="en-US",
                channel_id=channel_id,
                channel=self.text_channel(guild_id),
                member=self._member(member_user),
                authorizing_integration_owners={"0": guild_id},
                context=0,
            )
        else:
            channel_id = self._dm_channel_id(member_user["id"])
            payload.update(
                channel_id=channel_id,
                channel={
                    "id": channel_id,
                    "type": 1,
                    "last_message_id": None,
                    "flags": 0,
                    "recipients": [member_user],
                },
                user=member_user,
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        if message is not None:
            payload["message"] = message
        interaction = _Interaction(
            id=interaction_id,
            token=token,
            type=interaction_type,
            payload=payload,
            channel_id=channel_id,
            message_id=message["id"] if message else None,
        )
        self._interactions[interaction_id] = interaction
        self._tokens[token] = interaction
        if shard is None and len(self._live_shards) > 1:
            shard = self.shard_of(guild_id, self._shard_count()) if guild else 0
        await self.dispatch("INTERACTION_CREATE", payload, timeout=timeout, shard=shard)
        return interaction_id

    def _dm_channel_id(self, user_id: str) -> str:
        if user_id not in self._dm_channels:
            self._dm_channels[user_id] = self._snowflake()
        return self._dm_channels[user_id]

    def _synced_command(self, name: str, command_type: int, guild: bool) -> JSON | None:
        scopes = ([*self.guild_commands.get(self.guild_id, [])] if guild else []) + [
            *self.global_commands
        ]
        for command in scopes:
            if command.get("name") == name and command.get("type", 1) == command_type:
                return command
        return None

    @staticmethod
    def _options(options: JSON | list[JSON] | None) -> list[JSON]:
        if options is None:
            return []
        if isinstance(options, list):
            return options
        built = []
        for name, value in options.items():
            if isinstance(value, bool):
                option_type = 5
            elif isinstance(value, int):
                option_type = 4
            elif isinstance(value, float):
                option_type = 10
            else:
                option_type = 3
            built.append({"name": name, "type": option_type, "value": value})
        return built

    def _command_data(
        self,
        name: str,
        options: list[JSON],
        guild: bool,
        scope: Literal["auto", "guild", "global"],
        command_type: int = 1,
    ) -> JSON:
        synced = self._synced_command(name, command_type, guild)
        if scope == "auto":
            in_guild = synced is not None and "guild_id" in synced
        else:
            in_guild = scope == "guild" and guild
        data: JSON = {
            "id": synced["id"] if synced else self._command_id(None, name, command_type),
            "name": name,
            "type": command_type,
            "options": options,
        }
        if in_guild:
            data["guild_id"] = self.guild_id
        return data

    async def send_command(
        self,
        name: str,
        options: JSON | list[JSON] | None = None,
        user: JSON | None = None,
        guild: bool = True,
        locale: str = "en-US",
        *,
        scope: Literal["auto", "guild", "global"] = "auto",
        timeout: float = 5.0,
        guild_id: str | None = None,
        shard: int | None = None,
    ) -> str:
        """A member runs ``/name``; returns the interaction id.

        ``options`` is ``{"text": "hi"}`` (str/int/float/bool become option types 3/4/10/5) or
        a raw list of option dicts (for subcommands). The command id (and ``data.guild_id`` for
        guild commands) comes from the last sync; unsynced names are sent as global commands
        unless ``scope="guild"``.
        """
        data = self._command_data(name, self._options(options), guild, scope)
        if guild_id is not None and guild_id != self.guild_id:
            data.pop("guild_id", None)  # guild commands are synced to the test guild only
        return await self.send_interaction(
            APPLICATION_COMMAND,
            data,
            user=user,
            guild=guild,
            locale=locale,
            timeout=timeout,
            guild_id=guild_id,
            shard=shard,
        )

    def post_member_message(self, content: str, author: JSON | None = None) -> JSON:
        """A message a member posted in the guild's channel (for message commands)."""
        message = self._message_object({"content": content}, channel_id=self.channel_id)
        message["author"] = self._full_user(author)
        return message

    async def send_message_command(
        self, name: str, message: JSON, user: JSON | None = None, *, timeout: float = 5.0
    ) -> str:
        """A member uses a message context-menu command (type 3) on ``message``."""
        data = self._command_data(name, [], True, "auto", command_type=3)
        data.pop("options", None)
        data["target_id"] = message["id"]
        data["resolved"] = {"messages": {message["id"]: json.loads(json.dumps(message))}}
        return await self.send_interaction(APPLICATION_COMMAND, data, user=user, timeout=timeout)

    async def send_autocomplete(
        self,
        name: str,
        option_name: str,
        value: str | int | float,
        user: JSON | None = None,
        *,
        other_options: JSON | None = None,
        guild: bool = True,
        scope: Literal["auto", "guild", "global"] = "auto",
        timeout: float = 5.0,
    ) -> str:
        """A member types ``value`` into ``option_name`` of ``/name``; returns the id."""
        options = self._options(other_options)
        focused = self._options({option_name: value})[0]
        focused["focused"] = True
        data = self._command_data(name, [*options, focused], guild, scope)
        return await self.send_interaction(
            AUTOCOMPLETE, data, user=user, guild=guild, timeout=timeout
        )

    def _find_message_with(self, custom_id: str) -> JSON | None:
        for message in reversed(self._messages_by_id.values()):
            for component in _walk_components(message.get("components") or []):
                if component.get("custom_id") == custom_id:
                    return message
        return None

    async def send_component(
        self,
        custom_id: str,
        message: JSON | str | None = None,
        user: JSON | None = None,
        component_type: int = 2,
        *,
        values: list[str] | None = None,
        guild: bool = True,
        timeout: float = 5.0,
    ) -> str:
        """A member presses a button (or uses a select: ``component_type``, ``values``).

        ``message`` is the message it was on: a message dict, the id of a message the bot
        created, or None for the newest bot message carrying that ``custom_id`` (falling back
        to a made-up bot message, which only reaches persistent views).
        """
        if isinstance(message, str):
            found = self._messages_by_id.get(message)
            if found is None:
                raise KeyError(f"stand-in: no message {message} was created by the bot")
            message = found
        elif message is None:
            message = self._find_message_with(custom_id)
            if message is None:
                component: JSON = {"type": component_type, "custom_id": custom_id}
                if component_type == 2:
                    component.update(style=1, label=custom_id)
                body = {"content": "", "components": [{"type": 1, "components": [component]}]}
                message = self._message_object(body, channel_id=self.channel_id)
        data: JSON = {"custom_id": custom_id, "component_type": component_type}
        if component_type != 2 or values is not None:
            data["values"] = values or []
        return await self.send_interaction(
            MESSAGE_COMPONENT,
            data,
            user=user,
            guild=guild,
            message=json.loads(json.dumps(message)),
            timeout=timeout,
        )

    # ----------------------------------------------------------------- gateway

    async def dispatch(
        self, event: str, data: JSON, *, timeout: float = 5.0, shard: int | None = None
    ) -> None:
        """Send a DISPATCH event (op 0) to the bot, waiting for a live connection first
        (the connection of ``shard`` when given: several bot processes may be connected)."""
        if shard is None:
            conn = await self.wait_for(lambda: self._live, timeout, f"a connection to send {event}")
        else:
            conn = await self.wait_for(
                lambda: self._live_shards.get(shard), timeout, f"shard {shard} to send {event}"
            )
        assert conn.session is not None
        await self._dispatch_on(conn.session, event, data)

    def _shard_count(self) -> int:
        for conn in self._live_shards.values():
            if conn.session is not None and conn.session.shard:
                return int(conn.session.shard[1])
        return 1

    async def wait_for_shards(self, count: int, timeout: float = 20.0) -> None:
        """Until ``count`` shards (from any number of bot processes) are connected."""
        await self.wait_for(
            lambda: len(self._live_shards) >= count, timeout, f"{count} shard(s) to connect"
        )

    def _set_live(self, conn: _Connection) -> None:
        conn.live = True
        self._live = conn
        shard = conn.session.shard if conn.session is not None else None
        self._live_shards[int(shard[0]) if shard else 0] = conn

    async def _send(self, conn: _Connection, payload: JSON) -> bool:
        if conn.dropped or conn.ws.closed:
            return False
        try:
            async with conn.lock:
                await conn.ws.send_str(json.dumps(payload))
        except (ConnectionError, RuntimeError):
            return False
        return True

    async def _dispatch_on(self, session: _Session, event: str, data: JSON) -> None:
        session.seq += 1
        payload = {"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data}
        session.events.append(payload)
        if session.conn is not None:
            await self._send(session.conn, payload)

    async def drop_connection(
        self,
        mode: Literal["abrupt", "reconnect", "close"] = "abrupt",
        *,
        resumable: bool = True,
        code: int = 4000,
    ) -> None:
        """Break the bot's gateway connection; the bot has to come back by itself.

        ``"abrupt"`` kills the TCP connection without a close frame (the client sees 1006),
        ``"reconnect"`` sends op 7 RECONNECT, ``"close"`` sends a close frame with ``code``
        (4004 and 4010-4014 are fatal for discord.py). With ``resumable=False`` the session is
        forgotten, so a RESUME gets op 9 INVALID_SESSION and the bot must IDENTIFY again
        (discord.py's default ``before_identify_hook`` sleeps 5 s before re-identifying).
        Follow with ``await wait_until_reconnected()``.
        """
        conn = self._live
        if conn is None:
            raise RuntimeError("stand-in: no live gateway connection to drop")
        self.drops += 1
        self._last_dropped = conn.number
        self._live = None
        conn.live = False
        if conn.session is not None and not resumable:
            conn.session.resumable = False
        if mode == "reconnect":
            await self._send(conn, {"op": OP_RECONNECT, "d": None, "s": None, "t": None})
            conn.dropped = True
        elif mode == "close":
            conn.dropped = True
            with contextlib.suppress(TimeoutError, ConnectionError, RuntimeError):
                async with asyncio.timeout(5):
                    await conn.ws.close(code=code, message=b"stand-in close")
        else:
            conn.dropped = True
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
        self._notify()

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoclose=True, autoping=True)
        await ws.prepare(request)
        conn = _Connection(next(self._connection_numbers), ws, request)
        self._connections.add(conn)
        self.gateway_queries.append(dict(request.query))
        self._notify()
        try:
            hello = {"heartbeat_interval": self.heartbeat_interval, "_trace": ["stand-in"]}
            await self._send(conn, {"op": OP_HELLO, "d": hello, "s": None, "t": None})
            async for msg in ws:
                if msg.type is aiohttp.WSMsgType.TEXT:
                    text = msg.data
                elif msg.type is aiohttp.WSMsgType.BINARY:
                    text = msg.data.decode()
                else:
                    break
                if conn.dropped:
                    continue
                await self._on_gateway_message(conn, json.loads(text))
        finally:
            conn.live = False
            self._connections.discard(conn)
            if self._live is conn:
                self._live = None
            for shard, live in list(self._live_shards.items()):
                if live is conn:
                    del self._live_shards[shard]
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            self._notify()
        return ws

    async def _on_gateway_message(self, conn: _Connection, payload: JSON) -> None:
        self.gateway_received.append(payload)
        op, data = payload.get("op"), payload.get("d")
        if op == OP_HEARTBEAT:
            self.heartbeats += 1
            if self.ack_heartbeats:
                await self._send(conn, {"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY:
            await self._identify(conn, data or {})
        elif op == OP_RESUME:
            await self._resume(conn, data or {})
        elif op == OP_PRESENCE:
            self.presence_updates.append(data or {})
        elif op == OP_REQUEST_MEMBERS and conn.session is not None:
            chunk = {
                "guild_id": (data or {}).get("guild_id"),
                "members": [],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
            }
            if (data or {}).get("nonce"):
                chunk["nonce"] = data["nonce"]
            await self._dispatch_on(conn.session, "GUILD_MEMBERS_CHUNK", chunk)
        self._notify()

    async def _identify(self, conn: _Connection, data: JSON) -> None:
        self.identifies += 1
        self.identify_payloads.append(data)
        if self.token is not None and data.get("token") != self.token:
            conn.dropped = True
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        shard = data.get("shard")
        session = _Session(session_id=secrets.token_hex(16), shard=shard, conn=conn)
        mine = [
            guild_id
            for guild_id in self.guilds
            if not shard or self.shard_of(guild_id, int(shard[1])) == int(shard[0])
        ]
        self._sessions[session.session_id] = session
        conn.session = session
        ready: JSON = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": guild_id, "unavailable": True} for guild_id in mine],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "session_type": "normal",
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "application": {"id": self.application_id, "flags": 0},
            "_trace": ["stand-in"],
        }
        if shard is not None:
            ready["shard"] = shard
        await self._dispatch_on(session, "READY", ready)
        for guild_id in mine:
            await self._dispatch_on(session, "GUILD_CREATE", self.guild_payload(guild_id))
        if not conn.dropped:
            self._set_live(conn)

    async def _resume(self, conn: _Connection, data: JSON) -> None:
        self.resumes += 1
        self.resume_payloads.append(data)
        session = self._sessions.get(str(data.get("session_id")))
        valid_token = self.token is None or data.get("token") == self.token
        if session is None or not session.resumable or not valid_token:
            self.invalid_sessions += 1
            await self._send(conn, {"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        old = session.conn
        if old is not None and old is not conn:
            old.dropped = True
        session.conn = conn
        conn.session = session
        last_seen = int(data.get("seq") or 0)
        for event in list(session.events):
            if event["s"] > last_seen:
                await self._send(conn, event)
        await self._dispatch_on(session, "RESUMED", {"_trace": ["stand-in"]})
        if not conn.dropped:
            self._set_live(conn)

    # ----------------------------------------------------------------- REST

    def _route_table(self) -> list[tuple[str, re.Pattern[str], _Handler]]:
        seg = r"[^/]+"
        table: list[tuple[str, str, _Handler]] = [
            ("GET", r"/gateway/bot", self._get_gateway_bot),
            ("GET", r"/gateway", self._get_gateway),
            ("GET", r"/users/@me", self._get_me),
            ("GET", r"/oauth2/applications/@me", self._get_application),
            ("GET", r"/applications/@me", self._get_application),
            ("PUT", rf"/applications/(?P<app>{seg})/commands", self._put_commands),
            ("GET", rf"/applications/(?P<app>{seg})/commands", self._get_commands),
            (
                "PUT",
                rf"/applications/(?P<app>{seg})/guilds/(?P<guild>{seg})/commands",
                self._put_commands,
            ),
            (
                "GET",
                rf"/applications/(?P<app>{seg})/guilds/(?P<guild>{seg})/commands",
                self._get_commands,
            ),
            ("POST", rf"/interactions/(?P<id>{seg})/(?P<token>{seg})/callback", self._callback),
            ("POST", rf"/webhooks/(?P<app>{seg})/(?P<token>{seg})", self._followup),
            (
                "GET",
                rf"/webhooks/(?P<app>{seg})/(?P<token>{seg})/messages/(?P<message>{seg})",
                self._webhook_message,
            ),
            (
                "PATCH",
                rf"/webhooks/(?P<app>{seg})/(?P<token>{seg})/messages/(?P<message>{seg})",
                self._webhook_message,
            ),
            (
                "DELETE",
                rf"/webhooks/(?P<app>{seg})/(?P<token>{seg})/messages/(?P<message>{seg})",
                self._webhook_message,
            ),
            ("POST", rf"/channels/(?P<channel>{seg})/messages", self._create_message),
            (
                "GET",
                rf"/channels/(?P<channel>{seg})/messages/(?P<message>{seg})",
                self._channel_message,
            ),
            (
                "PATCH",
                rf"/channels/(?P<channel>{seg})/messages/(?P<message>{seg})",
                self._channel_message,
            ),
            (
                "DELETE",
                rf"/channels/(?P<channel>{seg})/messages/(?P<message>{seg})",
                self._channel_message,
            ),
            ("GET", rf"/channels/(?P<channel>{seg})", self._get_channel),
            ("GET", rf"/guilds/(?P<guild>{seg})", self._get_guild),
            ("POST", r"/users/@me/channels", self._create_dm),
        ]
        return [(method, re.compile(pattern + "$"), handler) for method, pattern, handler in table]

    async def _read_body(self, request: web.Request) -> tuple[Any, list[RecordedFile]]:
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            files: list[RecordedFile] = []
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, aiohttp.BodyPartReader):
                    continue
                data = bytes(await part.read())
                if part.name == "payload_json":
                    payload = json.loads(data)
                elif part.filename is not None:
                    content_type = part.headers.get("Content-Type", "application/octet-stream")
                    files.append(RecordedFile(part.name or "", part.filename, content_type, data))
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            return raw.decode(errors="replace"), []

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        relative = path[len(API_PREFIX) :] if path.startswith(API_PREFIX + "/") else path
        body, files = await self._read_body(request)
        record = RecordedRequest(request.method, relative, dict(request.query), body, files)
        self.requests.append(record)
        try:
            response = await self._route(request, record, path.startswith(API_PREFIX + "/"))
        except Exception as exc:  # a stand-in bug must not look like a hang to the bot
            response = _error(500, f"stand-in error: {exc!r}", 0)
        record.status = response.status
        self._notify()
        return response

    async def _route(
        self, request: web.Request, record: RecordedRequest, under_api: bool
    ) -> web.StreamResponse:
        for fault in self._faults:
            if (
                fault.remaining > 0
                and fault.method == record.method
                and fnmatch.fnmatchcase(record.path, fault.pattern)
            ):
                fault.remaining -= 1
                return _json_response(fault.body, fault.status, fault.headers)
        if under_api:
            for method, pattern, handler in self._routes:
                match = pattern.match(record.path)
                if match and method == record.method:
                    needs_auth = not record.path.startswith(("/interactions/", "/webhooks/"))
                    authorization = request.headers.get("Authorization")
                    if needs_auth and self.token and authorization != f"Bot {self.token}":
                        return _error(401, "401: Unauthorized", 0)
                    return await handler(request, record, match.groupdict())
        record.unknown = True
        return _error(404, "Unknown", 0)

    async def _get_gateway_bot(self, *_: Any) -> web.Response:
        return _json_response(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000 - self.identifies,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _get_gateway(self, *_: Any) -> web.Response:
        return _json_response({"url": self.gateway_url})

    async def _get_me(self, *_: Any) -> web.Response:
        return _json_response(self.bot_user)

    async def _get_application(self, *_: Any) -> web.Response:
        return _json_response(self.application_payload())

    def _command_id(self, guild_id: str | None, name: str, command_type: int) -> str:
        key = (guild_id, name, command_type)
        if key not in self._command_ids:
            self._command_ids[key] = self._snowflake()
        return self._command_ids[key]

    async def _put_commands(
        self, _request: web.Request, record: RecordedRequest, params: dict[str, str]
    ) -> web.Response:
        if params["app"] != self.application_id:
            return _error(404, "Unknown Application", 10002)
        body = record.json if isinstance(record.json, list) else []
        self.command_puts.append(CommandPut(record.path, body))
        guild_id = params.get("guild")
        if guild_id is not None and guild_id != self.guild_id:
            return _error(403, "Missing Access", 50001)
        stored = []
        for command in body:
            command_type = command.get("type", 1)
            stored.append(
                {
                    "id": self._command_id(guild_id, command["name"], command_type),
                    "application_id": self.application_id,
                    "version": self._snowflake(),
                    "type": command_type,
                    "description": "",
                    "options": [],
                    "default_member_permissions": None,
                    "nsfw": False,
                    **command,
                    **({"guild_id": guild_id} if guild_id else {}),
                }
            )
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        return _json_response(stored)

    async def _get_commands(
        self, _request: web.Request, _record: RecordedRequest, params: dict[str, str]
    ) -> web.Response:
        guild_id = params.get("guild")
        commands = self.global_commands if guild_id is None else self.guild_commands.get(guild_id)
        return _json_response(commands or [])

    def _invalid(self, problems: list[tuple[tuple[str, ...], str, str]], under: str = "") -> Any:
        if not problems or not self.validate:
            return None
        errors = _nest_errors([((under, *p) if under else p, c, m) for p, c, m in problems])
        return _error(400, "Invalid Form Body", 50035, errors)

    async def _callback(
        self, _request: web.Request, record: RecordedRequest, params: dict[str, str]
    ) -> web.Response:
        interaction = self._interactions.get(params["id"])
        if interaction is None or interaction.token != params["token"]:
            return _error(404, "Unknown interaction", 10062)
        body: JSON = record.json if isinstance(record.json, dict) else {}
        callback_type = body.get("type")
        data = body.get("data") or {}
        if interaction.responded:
            return _error(400, "Interaction has already been acknowledged.", 40060)
        late = time.monotonic() - interaction.created
        if self.response_deadline is not None and late > self.response_deadline:
            self.late_callbacks += 1
            return _error(404, "Unknown interaction", 10062)
        if callback_type not in CALLBACK_TYPES:
            return self._invalid([(("type",), "BASE_TYPE_CHOICES", "Invalid callback type")])
        if (interaction.type == AUTOCOMPLETE) != (callback_type == AUTOCOMPLETE_RESULT) or (
            callback_type in (DEFERRED_UPDATE, UPDATE_MESSAGE)
            and interaction.type not in (MESSAGE_COMPONENT, MODAL_SUBMIT)
        ):
            return _error(400, "Interaction callback type is not valid here", 40043)
        if callback_type in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            invalid = self._invalid(validate_message_body(data), "data")
            if invalid is not None:
                return invalid
        if callback_type == AUTOCOMPLETE_RESULT:
            invalid = self._invalid(_validate_choices(data), "data")
            if invalid is not None:
                return invalid
        interaction.responded = True
        self.callbacks.append(
            RecordedCallback(interaction.id, interaction.token, body, record.files)
        )

        resource: JSON | None = None
        message: JSON | None = None
        if callback_type == CHANNEL_MESSAGE:
            message = self._message_object(
                data, channel_id=interaction.channel_id, interaction=interaction, original=True
            )
            self._attach_files(message, data, record.files)
            interaction.original_id = message["id"]
        elif callback_type == DEFERRED_CHANNEL_MESSAGE:
            flags = int(data.get("flags") or 0) & EPHEMERAL
            message = self._message_object(
                {"flags": flags},
                channel_id=interaction.channel_id,
                interaction=interaction,
                original=True,
                extra_flags=LOADING,
            )
            interaction.original_id = message["id"]
        elif callback_type in (DEFERRED_UPDATE, UPDATE_MESSAGE) and interaction.message_id:
            interaction.original_id = interaction.message_id
            message = self._messages_by_id.get(interaction.message_id)
            if message is None:
                message = json.loads(json.dumps(interaction.payload.get("message") or {}))
                self._messages_by_id[interaction.message_id] = message
            if callback_type == UPDATE_MESSAGE:
                self._edit(message, data, record.files)
        if message is not None and callback_type != DEFERRED_UPDATE:
            resource = {"type": callback_type, "message": message}
        elif callback_type == LAUNCH_ACTIVITY:
            resource = {"type": callback_type, "activity_instance": {"id": self._snowflake()}}

        response: JSON = {
            "interaction": {
                "id": interaction.id,
                "type": interaction.type,
                "activity_instance_id": None,
                "response_message_id": message["id"] if message else None,
                "response_message_loading": callback_type == DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": bool(
                    message and int(message.get("flags") or 0) & EPHEMERAL
                ),
            }
        }
        if resource is not None:
            response["resource"] = resource
        return _json_response(response)

    def _webhook_interaction(self, params: dict[str, str]) -> _Interaction | None:
        interaction = self._tokens.get(params["token"])
        if params["app"] != self.application_id or interaction is None:
            return None
        return interaction

    async def _followup(
        self, _request: web.Request, record: RecordedRequest, params: dict[str, str]
    ) -> web.Response:
        interaction = self._webhook_interaction(params)
        if interaction is None or not interaction.responded:
            return _error(404, "Unknown Webhook", 10015)
        body = record.json if isinstance(record.json, dict) else {}
        invalid = self._invalid(validate_message_body(body))
        if invalid is not None:
            return invalid
        original = self._messages_by_id.get(interaction.original_id or "")
        if original is not None and original["flags"] & LOADING and not interaction.followups:
            # The first followup after a deferral becomes the deferred response itself.
            original["flags"] &= ~LOADING
            message = self._edit(original, body, record.files)
            message["flags"] = (message["flags"] & EPHEMERAL) | int(body.get("flags") or 0)
            message["edited_timestamp"] = None
        else:
            message = self._message_object(
                body, channel_id=interaction.channel_id, interaction=interaction
            )
            self._attach_files(message, body, record.files)
        interaction.followups.append(message["id"])
        self.messages.append(RecordedMessage("followup", "POST", record.path, body, message))
        if record.query.get("wait", "").lower() in ("true", "1"):
            return _json_response(message)
        return web.Response(status=204)

    async def _webhook_message(
        self, request: web.Request, record: RecordedRequest, params: dict[str, str]
    ) -> web.StreamResponse:
        interaction = self._webhook_interaction(params)
        if interaction is None or not interaction.responded:
            return _error(404, "Unknown Webhook", 10015)
        is_original = params["message"] == "@original"
        message_id = interaction.original_id if is_original else params["message"]
        allowed = {interaction.original_id, *interaction.followups}
        message = self._messages_by_id.get(message_id or "")
        if message is None or message_id not in allowed:
            return _error(404, "Unknown Message", 10008)
        suffix = "original" if is_original else "followup"
        if request.method == "GET":
            return _json_response(message)
        if request.method == "DELETE":
            self._messages_by_id.pop(message["id"], None)
            self.messages.append(
                RecordedMessage(f"delete_{suffix}", "DELETE", record.path, None, message)
            )
            return web.Response(status=204)
        body = record.json if isinstance(record.json, dict) else {}
        invalid = self._invalid(validate_message_body(body))
        if invalid is not None:
            return invalid
        message["flags"] &= ~LOADING
        self._edit(message, body, record.files)
        self.messages.append(RecordedMessage(f"edit_{suffix}", "PATCH", record.path, body, message))
        return _json_response(message)

    async def _create_message(
        self, _request: web.Request, record: RecordedRequest, params: dict[str, str]
    ) -> web.Response:
        body = record.json if isinstance(record.json, dict) else {}
        invalid = self._invalid(validate_message_body(body))
        if invalid is not None:
            return invalid
        message = self._message_object(body, channel_id=params["channel"])
        for guild_id, channel_id in self.guilds.items():
            if params["channel"] == channel_id:
                message["guild_id"] = guild_id
        self._attach_files(message, body, record.files)
        self.messages.append(RecordedMessage("channel", "POST", record.path, body, message))
        return _json_response(message)

    async def _channel_message(
        self, request: web.Request, record: RecordedRequest, params: dict[str, str]
    ) -> web.StreamResponse:
        message = self._messages_by_id.get(params["message"])
        if message is None or message["channel_id"] != params["channel"]:
            return _error(404, "Unknown Message", 10008)
        if request.method == "GET":
            return _json_response(message)
        if request.method == "DELETE":
            self._messages_by_id.pop(message["id"], None)
            self.messages.append(
                RecordedMessage("delete_channel", "DELETE", record.path, None, message)
            )
            return web.Response(status=204)
        body = record.json if isinstance(record.json, dict) else {}
        invalid = self._invalid(validate_message_body(body))
        if invalid is not None:
            return invalid
        self._edit(message, body, record.files)
        self.messages.append(RecordedMessage("edit_channel", "PATCH", record.path, body, message))
        return _json_response(message)

    async def _get_channel(
        self, _request: web.Request, _record: RecordedRequest, params: dict[str, str]
    ) -> web.Response:
        for guild_id, channel_id in self.guilds.items():
            if params["channel"] == channel_id:
                return _json_response(self.text_channel(guild_id))
        return _error(404, "Unknown Channel", 10003)

    async def _get_guild(
        self, _request: web.Request, _record: RecordedRequest, params: dict[str, str]
    ) -> web.Response:
        if params["guild"] not in self.guilds:
            return _error(404, "Unknown Guild", 10004)
        guild = self.guild_payload(params["guild"])
        for key in ("channels", "members", "threads", "voice_states", "presences", "joined_at"):
            guild.pop(key, None)
        return _json_response(guild)

    async def _create_dm(
        self, _request: web.Request, record: RecordedRequest, _params: dict[str, str]
    ) -> web.Response:
        recipient_id = str((record.json or {}).get("recipient_id"))
        recipient = (
            self.user if recipient_id == self.user["id"] else self.new_user(user_id=recipient_id)
        )
        channel_id = self._dm_channel_id(recipient_id)
        return _json_response(
            {"id": channel_id, "type": 1, "last_message_id": None, "recipients": [recipient]}
        )


@contextlib.contextmanager
def point_discord_at(standin: DiscordStandIn) -> Iterator[DiscordStandIn]:
    """Point discord.py's REST base and default gateway at ``standin``; restore on exit."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = standin.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(standin.gateway_url)
    try:
        yield standin
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.asynccontextmanager
async def running_bot(
    bot: ClientT,
    standin: DiscordStandIn,
    *,
    token: str = "stand-in-token",
    timeout: float = 10.0,
) -> AsyncIterator[ClientT]:
    """Log ``bot`` in, connect it, wait until it is ready; close it cleanly on exit.

    Fails fast if ``bot.connect()`` dies before the bot is ready. discord.py must already be
    pointed at ``standin`` (``point_discord_at``).
    """
    try:
        await asyncio.wait_for(bot.login(token), timeout)
    except BaseException:
        await bot.close()
        raise
    connect = asyncio.create_task(bot.connect(), name="stand-in-bot-connect")
    try:
        ready = asyncio.ensure_future(
            asyncio.wait_for(
                asyncio.gather(standin.wait_until_ready(timeout), bot.wait_until_ready()),
                timeout,
            )
        )
        done, _ = await asyncio.wait({ready, connect}, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await ready
            connect.result()  # raises why the bot stopped
            raise RuntimeError("stand-in: bot.connect() returned before the bot was ready")
        ready.result()
        yield bot
    finally:
        await asyncio.wait_for(bot.close(), timeout)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(connect, timeout)
        await join_keep_alive_threads(bot, timeout)


async def join_keep_alive_threads(bot: discord.Client, timeout: float = 5.0) -> None:
    """Wait for ``bot``'s heartbeat threads to end (call after ``bot.close()``).

    discord.py heartbeats from a thread (``KeepAliveHandler``) that schedules coroutines on the
    event loop; one still running when pytest closes the loop raises "Event loop is closed" in
    that thread and leaves a never-awaited ``send_heartbeat``. Joining keeps the loop running.
    """
    state = getattr(bot, "_connection", None)
    for thread in threading.enumerate():
        if (
            isinstance(thread, discord.gateway.KeepAliveHandler)
            and getattr(thread.ws, "_connection", None) is state
        ):
            thread.stop()
            await asyncio.to_thread(thread.join, timeout)


@contextlib.asynccontextmanager
async def serving_standin(**options: Any) -> AsyncIterator[DiscordStandIn]:
    """A started ``DiscordStandIn(**options)`` with discord.py pointed at it, both undone on
    exit. For a fixture in any test file::

        @pytest.fixture
        async def standin() -> AsyncIterator[DiscordStandIn]:
            async with serving_standin() as standin:
                yield standin
    """
    async with DiscordStandIn(**options) as standin:
        with point_discord_at(standin):
            yield standin


@pytest_asyncio.fixture
async def discord_standin() -> AsyncIterator[DiscordStandIn]:
    """The same as a fixture, for ``pytest_plugins = ["tests.discord_standin"]`` in conftest."""
    async with serving_standin() as standin:
        yield standin

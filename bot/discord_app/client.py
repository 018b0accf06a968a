"""Build, run and sync the Discord bot (discord.py AutoShardedBot, slash commands only)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
import time
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import yarl
from discord.ext import commands, tasks

from bot.core.answers import Answer, AnswerService, Status
from bot.core.loader import ContentError, load_catalog
from bot.core.unanswered import storable
from bot.discord_app.commands import AnswerCommands
from bot.discord_app.counting import FLUSH_SECONDS, CountBuffer
from bot.discord_app.moderation import Moderation
from bot.discord_app.pacing import AnswerPace, ShareOnce
from bot.discord_app.replies import (
    NO_MENTIONS,
    FullAnswerButton,
    RemoveButton,
    Responder,
    ShareButton,
    SourcesButton,
    SuggestionButton,
)
from bot.discord_app.tree import SupportTree
from bot.errors import BotError
from bot.health import heartbeat_path, write_heartbeat
from bot.settings import Settings
from bot.storage.base import GuildSettings, Storage, StorageError, StorageInUse
from bot.storage.factory import storage_from_settings

log = logging.getLogger("bot.discord")

DISCORD_API_BASE = "https://discord.com/api/v10"
DISCORD_GATEWAY = yarl.URL("wss://gateway.discord.gg/")
PURGE_EVERY_SECONDS = 24 * 3600.0
"""How often expired counts and reports are deleted while the bot runs (also at start)."""
RESTORE_HINT = (
    "Answers still work. To bring back settings, reports and stats, stop the bot and restore "
    "the last backup made by `python -m bot backup` over BOT_DATA_DIR/bot.sqlite3 (or move the "
    "damaged file away to start empty), then start the bot again."
)
"""How an operator brings storage back; shown in the log, health, /stats and /report."""


STORAGE_RETRY_SECONDS = 30.0
"""How often a database that was unavailable at start is tried again."""
FINAL_FLUSH_SECONDS = 5.0
"""Longest wait at shutdown for the last counts to be written."""
RELOAD_EVENT = "reload:"
"""Event (with the sender's id) that asks every process on the database to reload content."""


class StorageUnavailable(StorageError):
    """The bot runs without its database; the message says why and how to restore it."""


def build_service(content_dir: Path) -> AnswerService:
    """Load, validate and index the content (slow for big folders: call it off the loop)."""
    return AnswerService(load_catalog(content_dir))


def build_responder(content_dir: Path) -> Responder:
    """A responder (answers and /ask) over freshly loaded content; call it off the loop."""
    return Responder(build_service(content_dir))


class StartupError(BotError):
    """The bot cannot start; the message says why in plain words (never with the token)."""


def point_at(api_base: str | None, gateway_url: str | None) -> None:
    """Send REST and gateway traffic to the given bases (proxies, or a local stand-in)."""
    discord.http.Route.BASE = api_base or DISCORD_API_BASE
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = (
        yarl.URL(gateway_url) if gateway_url else DISCORD_GATEWAY
    )


class SupportBot(commands.AutoShardedBot):
    """The bot: slash commands only, no privileged intents, no message content."""

    def __init__(
        self,
        service: AnswerService,
        *,
        content_dir: Path | None = None,
        storage: Storage | None = None,
        storage_problem: str | None = None,
        heartbeat_file: Path | None = None,
        heartbeat_every: float = 10.0,
        purge_every: float = PURGE_EVERY_SECONDS,
        count_every: float = FLUSH_SECONDS,
        unopened_storage: Storage | None = None,
        gateway_url: str | None = None,
        shard_count: int | None = None,
        shard_ids: tuple[int, ...] | None = None,
        **options: Any,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # channels and roles for interactions; not privileged
        super().__init__(
            command_prefix=commands.when_mentioned,  # no prefix commands are registered
            help_command=None,
            intents=intents,
            allowed_mentions=NO_MENTIONS,
            tree_cls=SupportTree,
            shard_count=shard_count,
            # discord.py takes None (its default: all shards) though its hint says list[int]
            shard_ids=list(shard_ids) if shard_ids is not None else None,  # type: ignore[arg-type]
            **options,
        )
        self.responder = Responder(service)
        """Swapped whole by a reload, so an interaction sees the old content or the new."""
        self.content_dir = content_dir
        self.storage = storage
        self.storage_problem = storage_problem
        """Why the bot runs without its database (None when storage works or is not wanted)."""
        self.heartbeat_file = heartbeat_file
        self.gateway_override = gateway_url
        self.pace = AnswerPace()
        """Every answer path (commands and buttons) takes from this per-member allowance."""
        self.shared = ShareOnce()
        self._background: set[asyncio.Task[Any]] = set()
        self._reload_lock = asyncio.Lock()
        self._heartbeat_loop = tasks.loop(seconds=heartbeat_every)(self._write_heartbeat)
        self._purge_loop = tasks.loop(seconds=purge_every)(self._purge_expired)
        self.counts: CountBuffer | None = CountBuffer(storage) if storage is not None else None
        """Counts gathered in memory, written every `count_every` seconds and at shutdown."""
        self._flush_loop = tasks.loop(seconds=count_every)(self._flush_counts)
        self._unopened = unopened_storage
        """A database that could not be opened at start (server down): retried in the background."""
        self._retry_loop = tasks.loop(seconds=STORAGE_RETRY_SECONDS)(self._retry_storage)
        self.instance = secrets.token_hex(6)
        """This process among several sharing one database (its own events are not replayed)."""

    async def setup_hook(self) -> None:
        """Register the commands (locally; `sync` pushes them to Discord on purpose)."""
        if self.gateway_override:
            fetch = self.http.get_bot_gateway

            async def gateway_via_proxy() -> tuple[int, str, Any]:
                shards, _, limits = await fetch()
                return shards, str(self.gateway_override), limits

            self.http.get_bot_gateway = gateway_via_proxy  # type: ignore[method-assign]
        self.add_dynamic_items(
            ShareButton, SuggestionButton, RemoveButton, SourcesButton, FullAnswerButton
        )
        await self.add_cog(AnswerCommands(self))
        await self.add_cog(Moderation(self))
        if self.storage is not None:
            self._use_storage(self.storage)
        elif self._unopened is not None:
            self._retry_loop.start()
        if self.heartbeat_file is not None:
            self._heartbeat_loop.start()

    def _use_storage(self, storage: Storage) -> None:
        """Start the periodic work that needs a database, and listen to other processes."""
        self.storage = storage
        self.storage_problem = None
        self.counts = self.counts or CountBuffer(storage)
        storage.subscribe(self._on_storage_event)
        self._purge_loop.start()
        self._flush_loop.start()

    async def _retry_storage(self) -> None:
        """Try again to open a database that was unavailable at start; stop once it opens."""
        storage = self._unopened
        if storage is None:
            self._retry_loop.cancel()
            return
        try:
            await storage.open()
        except StorageError as error:
            log.info("storage still unavailable: %s", type(error).__name__)
            return
        self._unopened = None
        log.info("storage is available again")
        self._use_storage(storage)
        self._retry_loop.cancel()

    async def _on_storage_event(self, event: str) -> None:
        """Another process asked every process to do something (today: reload the content)."""
        if event.startswith(RELOAD_EVENT) and event != f"{RELOAD_EVENT}{self.instance}":
            problems = await self.reload_content()
            if problems:
                log.warning("reload asked by another process refused: %d problem(s)", len(problems))

    async def reload_everywhere(self) -> list[str]:
        """Reload here; when that works, ask every other process on the database to reload."""
        problems = await self.reload_content()
        if not problems and self.storage is not None:
            try:
                await self.storage.publish(f"{RELOAD_EVENT}{self.instance}")
            except StorageError as error:
                log.warning("could not ask other processes to reload: %s", error)
        return problems

    async def _flush_counts(self) -> None:
        """Write the counts gathered since the last round (kept for the next on failure)."""
        if self.counts is None:
            return
        try:
            await self.counts.flush()
        except Exception as error:  # a broken write must not stop the loop
            log.error("count flush failed: %s", type(error).__name__)

    @property
    def service(self) -> AnswerService:
        """The core service currently served."""
        return self.responder.service

    def require_storage(self) -> Storage:
        """The storage; moderator commands need it. StorageUnavailable when there is none."""
        if self.storage is None:
            raise StorageUnavailable(self.storage_problem or "this bot runs without storage")
        return self.storage

    def guild_settings(self, guild_id: int | None) -> GuildSettings | None:
        """A server's settings (from memory), or None in DMs or without storage."""
        if self.storage is None or guild_id is None:
            return None
        return self.storage.settings(guild_id)

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run work in the background, keeping a reference and logging its failure."""
        task = asyncio.create_task(coroutine)
        self._background.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            self._background.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                log.error("background task failed: %s", type(finished.exception()).__name__)

        task.add_done_callback(done)

    def record(self, guild_id: int | None, answer: Answer) -> None:
        """Count the answer for /stats, after replying; a failed write never costs an answer."""
        if self.counts is None:
            return
        today = datetime.now(UTC).date()
        guild = guild_id or 0
        if answer.status is Status.NO_MATCH:
            unanswered = storable(answer)
            if unanswered:
                self.counts.add(guild, today, None, unanswered)
        elif answer.topic or answer.title:
            self.counts.add(guild, today, answer.topic or f"note:{answer.title}", None)

    async def reload_content(self) -> list[str]:
        """Re-read the content; swap it in whole, or keep serving the old and list the errors.

        Loading and indexing run on a worker thread, so the gateway keeps its heartbeat. Reloads
        run one at a time in the order they were asked for, so the newest request always
        finishes last and its content is what is served.
        """
        if self.content_dir is None:
            return ["this bot was started without a content folder to reload from"]
        async with self._reload_lock:
            try:
                responder = await asyncio.to_thread(build_responder, self.content_dir)
            except ContentError as error:
                log.warning("reload refused: %d content problem(s)", len(error.problems))
                return [str(problem) for problem in error.problems]
            self.responder = responder
        log.info("content reloaded: %d topics", len(responder.service.catalog.topics))
        return []

    def gateway_status(self) -> tuple[float | None, int, int]:
        """(wall time of the oldest connected shard's last heartbeat ACK, shards connected, shards).

        discord.py keeps the ACK time on each shard's keep-alive handler; the health check
        reads it here, and the end-to-end tests hold it to the real client.
        """
        acks: list[float] = []
        connected = 0
        for info in self.shards.values():
            websocket = getattr(getattr(info, "_parent", None), "ws", None)
            if websocket is None or not websocket.open:
                continue
            connected += 1
            last_ack = getattr(getattr(websocket, "_keep_alive", None), "_last_ack", None)
            if last_ack is not None:
                acks.append(time.time() - (time.perf_counter() - last_ack))
        oldest = min(acks) if acks and len(acks) == connected else None
        return oldest, connected, self.own_shard_count()

    def own_shard_count(self) -> int:
        """How many shards this process runs (SHARD_IDS, or all of them without it)."""
        if self.shard_ids:
            return len(self.shard_ids)
        return self.shard_count or len(self.shards) or 1

    async def _write_heartbeat(self) -> None:
        """Refresh the heartbeat file; a failed write is logged and retried on the next round."""
        if self.heartbeat_file is None:
            return
        last_ack, connected, total = self.gateway_status()
        if last_ack is None:
            return
        try:
            await asyncio.to_thread(
                write_heartbeat,
                self.heartbeat_file,
                last_ack,
                connected,
                total,
                storage=self.storage_problem,
            )
        except Exception as error:  # a full disk must not stop the loop
            log.error("could not write the heartbeat file: %s", type(error).__name__)

    async def _purge_expired(self) -> None:
        """Delete expired counts and reports; an error is logged and tried again next round."""
        if self.storage is None:
            return
        try:
            removed = await self.storage.purge_expired()
        except Exception as error:  # a locked database must not stop the loop
            log.error("purge failed, will retry: %s", error)
            return
        log.info("purged %d expired row(s)", removed)

    async def on_shard_ready(self, shard_id: int) -> None:
        """Write the heartbeat as soon as a shard is ready, not a loop round later."""
        await self._write_heartbeat()

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """The bot left a server: delete that server's settings, reports and counts."""
        if self.storage is not None:
            await self.storage.forget_guild(guild.id)
            log.info("left a server; its data was deleted")

    async def close(self) -> None:
        """Stop background work, write the last counts, then disconnect."""
        for loop in (self._heartbeat_loop, self._purge_loop, self._flush_loop, self._retry_loop):
            loop.cancel()
        for task in list(self._background):
            task.cancel()
        if self.counts is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(FINAL_FLUSH_SECONDS):
                    await self._flush_counts()
        if self.heartbeat_file is not None:
            self.heartbeat_file.unlink(missing_ok=True)  # a stopped bot is not healthy
        await super().close()

    async def on_ready(self) -> None:
        """Log readiness (no member data)."""
        log.info("ready: %d guild(s), %d shard(s)", len(self.guilds), self.shard_count or 1)


def build_bot(
    settings: Settings,
    storage: Storage | None = None,
    *,
    heartbeat_file: Path | None = None,
    storage_problem: str | None = None,
    **options: Any,
) -> SupportBot:
    """Load the content and build the bot; StartupError when the content has problems."""
    try:
        catalog = load_catalog(settings.content_dir)
    except ContentError as error:
        raise StartupError(
            f"The content in {settings.content_dir} has {len(error.problems)} problem(s); "
            "run `python -m bot check` to list them."
        ) from None
    point_at(settings.api_base, settings.gateway_url)
    return SupportBot(
        AnswerService(catalog),
        content_dir=settings.content_dir,
        storage=storage,
        storage_problem=storage_problem,
        heartbeat_file=heartbeat_file,
        gateway_url=settings.gateway_url,
        shard_count=settings.shard_count,
        shard_ids=settings.shard_ids,
        **options,
    )


async def _login(bot: SupportBot, token: str) -> None:
    try:
        await bot.login(token)
    except discord.LoginFailure:
        raise StartupError(
            "Discord rejected DISCORD_TOKEN (401 Unauthorized). Copy a fresh token from the "
            "developer portal (your application > Bot > Reset Token) into .env."
        ) from None
    except (discord.HTTPException, OSError) as error:
        raise StartupError(f"Could not reach Discord to log in: {error}") from None


async def run_bot(settings: Settings, **options: Any) -> None:
    """Connect and serve until SIGTERM or SIGINT, then close the connection cleanly."""
    token = settings.require_token()
    storage, problem = await open_storage(settings)
    bot = build_bot(
        settings,
        storage if problem is None else None,
        heartbeat_file=heartbeat_path(settings.data_dir),
        storage_problem=problem,
        unopened_storage=storage if problem is not None else None,
        **options,
    )
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # e.g. not main thread
            loop.add_signal_handler(signum, stopping.set)
    with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError):
        loop.add_signal_handler(signal.SIGHUP, lambda: bot.spawn(bot.reload_everywhere()))
    try:
        await _serve(bot, token, stopping)
    finally:
        await storage.close()


async def open_storage(settings: Settings) -> tuple[Storage, str | None]:
    """Open the database, or say why it cannot be (the bot then runs without it, retrying).

    SQLite in BOT_DATA_DIR by default, PostgreSQL with DATABASE_URL. Answers need no database,
    so a damaged file or a server that is down costs settings, reports and stats, never
    answers. Another copy of the bot on the same SQLite folder is different: it refuses to start.
    """
    storage = storage_from_settings(settings)
    try:
        await storage.open()
    except StorageInUse as error:
        raise StartupError(str(error)) from None
    except StorageError as error:
        problem = f"{error} {RESTORE_HINT}"
        log.error("storage unavailable; running without it: %s", problem)
        return storage, problem
    return storage, None


async def _serve(bot: SupportBot, token: str, stopping: asyncio.Event) -> None:
    async with bot:
        await _login(bot, token)
        runner = asyncio.create_task(bot.connect(reconnect=True))
        stopper = asyncio.create_task(stopping.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        log.info("shutting down")
        stopper.cancel()
        await bot.close()
        if runner in done and runner.exception():
            raise StartupError(f"The gateway connection failed: {runner.exception()}")
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner


async def sync_commands(settings: Settings, guild_id: int | None = None) -> list[str]:
    """Register the slash commands with Discord (one guild instantly, or globally) and return."""
    token = settings.require_token()
    bot = build_bot(settings)
    async with bot:
        await _login(bot, token)
        started = time.perf_counter()
        if guild_id is not None:
            guild = discord.Object(id=guild_id)
            bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
        else:
            synced = await bot.tree.sync()
        log.info(
            "synced %d command(s) in %.0f ms", len(synced), (time.perf_counter() - started) * 1000
        )
        return [command.name for command in synced]

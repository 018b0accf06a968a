"""The command line: `python -m bot [ask|explain|topics|check|...]`, or an interactive console.

Errors end a command in one place, `main`: every expected error is a BotError, printed (with
control characters escaped) and turned into its own `exit_code`. Outcomes that are not errors
(no topic found, problems found by `check`, an unhealthy bot) are returned as EXIT_NOT_FOUND.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.content_dir import resolve_content_dir
from bot.core.answers import Answer, AnswerService, UnknownCommandError, parse_command
from bot.core.catalog import Catalog, Command
from bot.errors import EXIT_INTERRUPTED, EXIT_NOT_FOUND, EXIT_OK, BotError
from bot.health import MAX_AGE_SECONDS, check_health, heartbeat_path
from bot.terminal_text import printable

if TYPE_CHECKING:  # imported where used, so that `ask` starts fast (issue 15)
    from bot.console import LazyAsker
    from bot.core.ask import Asker, Route
    from bot.core.problems import ContentError

EXPORT_FORMATS = ("markdown", "html")
"""The export's formats (bot.export.FORMATS; a test keeps the two equal)."""


class UsageError(BotError):
    """Arguments that do not fit together, or a file they name that cannot be read or written."""


class ContentNotServed(BotError):
    """The content folder has problems, so a command that serves it refuses to start."""

    def __init__(self, content_dir: Path, error: ContentError) -> None:
        super().__init__(
            f"The content in {content_dir} has {len(error.problems)} problem(s); "
            "nothing is served from it. Run `python -m bot check` to list them."
        )


def _parser() -> argparse.ArgumentParser:
    content_help = "content folder to read (default: $BOT_CONTENT_DIR or the bundled content/)"
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Sourced answers about SPS, AE and MG treatments. "
        "With no command: an interactive console.",
    )
    parser.add_argument("--content-dir", metavar="DIR", help=content_help)
    # Also accepted after the command; SUPPRESS keeps it from resetting the value given before.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--content-dir", metavar="DIR", default=argparse.SUPPRESS, help=content_help
    )
    commands = parser.add_subparsers(dest="action", metavar="COMMAND")

    ask = commands.add_parser(
        "ask", parents=[common], help="answer one question, or a batch file of them"
    )
    ask.add_argument(
        "command",
        nargs="?",
        help="treatment, sideeffects, resistance, or ask (a question in your own words)",
    )
    ask.add_argument(
        "query", nargs="*", help="what to look up, e.g. sps, valium, ivig; for ask: the question"
    )
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer")
    ask.add_argument(
        "--batch",
        metavar="FILE",
        help="read COMMAND<TAB>QUERY lines from FILE ('-' for standard input); COMMAND may be ask",
    )

    explain = commands.add_parser(
        "explain",
        parents=[common],
        help="why /ask answers a question as it does (topics, cue phrases, section scores)",
    )
    explain.add_argument("question", nargs="+", help="the question, as a member would ask it")
    explain.add_argument("--json", action="store_true", help="print JSON")

    topics = commands.add_parser("topics", parents=[common], help="list every topic")
    topics.add_argument("--json", action="store_true", help="print JSON")

    commands.add_parser(
        "check", parents=[common], help="validate the content; exit 1 on any problem"
    )
    export = commands.add_parser(
        "export", parents=[common], help="the whole catalogue for reviewers (Markdown or HTML)"
    )
    export.add_argument("--format", choices=EXPORT_FORMATS, default="markdown")
    export.add_argument("--output", "-o", metavar="FILE", help="write to FILE (default: stdout)")
    commands.add_parser("console", parents=[common], help="the interactive console")
    reports = commands.add_parser(
        "reports", parents=[common], help="list open mistake reports from every server"
    )
    reports.add_argument("--close", type=int, metavar="ID", help="mark report ID as done")
    reports.add_argument("--json", action="store_true", help="print JSON")
    stats = commands.add_parser(
        "stats", parents=[common], help="top topics and unanswered questions, all servers"
    )
    stats.add_argument("--days", type=int, default=30, help="window in days (default 30)")
    stats.add_argument("--json", action="store_true", help="print JSON")
    backup = commands.add_parser(
        "backup", parents=[common], help="copy the database consistently, even while the bot runs"
    )
    backup.add_argument("target", metavar="FILE", help="where to write the copy")
    commands.add_parser(
        "migrate",
        parents=[common],
        help="apply the database's pending schema migrations (SQLite or DATABASE_URL), then exit",
    )
    move = commands.add_parser(
        "move-data",
        parents=[common],
        help="copy the SQLite database (settings, reports, counts) into PostgreSQL",
    )
    move.add_argument(
        "--to", metavar="URL", help="postgresql://USER:PASSWORD@HOST/DB (default: DATABASE_URL)"
    )
    move.add_argument(
        "--force", action="store_true", help="replace the bot's data already in the target"
    )
    health = commands.add_parser(
        "health", parents=[common], help="exit 0 only while the running bot's gateway is alive"
    )
    health.add_argument(
        "--max-age",
        type=float,
        default=MAX_AGE_SECONDS,
        metavar="SECONDS",
        help=f"oldest acceptable heartbeat ACK (default {MAX_AGE_SECONDS:.0f})",
    )
    suggest = commands.add_parser(
        "suggest-aliases",
        parents=[common],
        help="curators: names a drug dictionary lists for a topic's medicines that it lacks "
        "(needs pip install '.[curate]')",
    )
    suggest.add_argument("topic", nargs="?", help="one topic id (default: every topic)")
    suggest.add_argument(
        "--write", action="store_true", help="add the suggested names to the content files"
    )
    suggest.add_argument(
        "--accept", metavar="FILE", help="with --write: add only the names listed in FILE"
    )
    commands.add_parser("run", parents=[common], help="start the Discord bot (needs DISCORD_TOKEN)")
    sync = commands.add_parser(
        "sync", parents=[common], help="register the slash commands with Discord, then exit"
    )
    sync.add_argument(
        "--guild",
        type=int,
        metavar="ID",
        help="one server, instantly (for testing); without it: globally (may take up to an hour)",
    )
    return parser


def _load(content_dir: Path) -> Catalog:
    """The catalogue to serve: from the on-disk cache when no content file changed."""
    from bot.core.catalog_cache import cached_catalog
    from bot.core.problems import ContentError

    try:
        return cached_catalog(content_dir)
    except ContentError as error:
        raise ContentNotServed(content_dir, error) from None


def _is_ask(name: str) -> bool:
    """Whether a command name is /ask (`ask`, `/Ask`), which parse_command does not know."""
    return "".join(ch for ch in name.strip().casefold() if ch.isalnum()) == "ask"


def _ask(args: argparse.Namespace, service: AnswerService, out: TextIO) -> int:
    if args.batch:
        if args.command or args.query:
            raise UsageError("ask: give either --batch FILE or COMMAND QUERY, not both.")
        return _ask_batch(args.batch, args.json, service, out)
    if not args.command:
        raise UsageError("ask: which command? Usage: python -m bot ask COMMAND QUERY")
    query = " ".join(args.query)
    answer: Answer
    if _is_ask(args.command):
        if not query.strip():
            raise UsageError('ask ask: which question? Usage: python -m bot ask ask "QUESTION"')
        from bot.core.ask import Asker

        answer = Asker(service).ask(query)
    else:
        answer = service.ask(parse_command(args.command), query)
    if args.json:
        print(_json_line(answer.to_dict()), file=out)
    else:
        from bot.render_text import render_answer

        out.write(render_answer(answer))
    return EXIT_OK if answer.topic else EXIT_NOT_FOUND


def _json_line(data: dict[str, object]) -> str:
    """One JSON line, UTF-8 left as it is (orjson: several times quicker than json.dumps)."""
    import orjson

    return orjson.dumps(data).decode()


def _batch_line(
    line_number: int, line: str, service: AnswerService, asker: LazyAsker
) -> dict[str, object]:
    if "\t" not in line:
        return {"line": line_number, "error": "expected COMMAND<TAB>QUERY"}
    name, query = line.split("\t", 1)
    if _is_ask(name):
        if not query.strip():
            return {"line": line_number, "error": "ask: an empty question"}
        return asker().ask(query).to_dict()
    try:
        command = parse_command(name)
    except UnknownCommandError as error:
        return {"line": line_number, "error": str(error)}
    return service.ask(command, query).to_dict()


def _ask_batch(path: str, as_json: bool, service: AnswerService, out: TextIO) -> int:
    if not as_json:
        raise UsageError("ask --batch writes JSON lines: add --json.")
    try:
        source = (
            sys.stdin if path == "-" else open(path, encoding="utf-8", errors="replace", newline="")  # noqa: SIM115
        )
    except OSError as error:
        raise UsageError(f"Cannot read {path}: {error.strerror}") from None
    from bot.console import LazyAsker

    service.prepare()  # a batch will need every index: build them once, before the first line
    asker = LazyAsker(service)
    write = _json_writer(out)
    with source:
        for number, raw in enumerate(source, 1):
            line = raw.rstrip("\r\n")
            write(_batch_line(number, line, service, asker))
    return EXIT_OK


def _json_writer(out: TextIO) -> Callable[[dict[str, object]], object]:
    """Writes one JSON line per call to `out`.

    To a UTF-8 file or pipe, orjson's bytes go straight beneath the text layer: decoding them
    to text only to encode them again cost about a tenth of a batch line. To a terminal (a
    line at a time, as the lines are typed) or any other stream, as text.
    """
    import orjson

    buffer = getattr(out, "buffer", None)
    encoding = (getattr(out, "encoding", None) or "").replace("-", "").casefold()
    if buffer is None or encoding != "utf8" or out.isatty():
        return lambda data: out.write(f"{_json_line(data)}\n")
    out.flush()  # what the text layer holds goes first
    return lambda data: buffer.write(orjson.dumps(data, option=orjson.OPT_APPEND_NEWLINE))


def route_dict(route: Route, answer: Answer) -> dict[str, object]:
    """The `explain --json` shape: the reasoning of /ask, then the answer it gave."""
    from bot.core.ask import KIND_WEIGHTS, MIN_SECTION_SCORE

    leads = route.section is not None
    return {
        "question": route.question,
        "named": [{"topic": topic, "how": how} for topic, how in route.named],
        "cue_phrases": [
            {"phrase": phrase, "kind": kind.value, "points": KIND_WEIGHTS[kind]}
            for kind, phrase in route.kind_words
        ],
        "kind_points": {kind.value: points for kind, points in route.kind_points},
        "command": route.command.value,
        "topic": route.topic,
        "why_topic": route.why_topic,
        "sections": [
            {"heading": s.heading, "score": s.score, "leads": leads and n == 0}
            for n, s in enumerate(route.sections)
        ],
        "section_index": route.section,
        "min_section_score": MIN_SECTION_SCORE,
        "answer": {
            "status": answer.status.value,
            "topic": answer.topic,
            "command": answer.command.value,
            "section": answer.section,
            "passage": answer.passage is not None,
            "warnings": [w.id for w in answer.warnings],
        },
    }


def _explain(asker: Asker, question: str, as_json: bool, out: TextIO) -> int:
    route = asker.route(question)
    answer = asker.ask(question)
    if as_json:
        print(json.dumps(route_dict(route, answer), ensure_ascii=False, indent=2), file=out)
    else:
        from bot.render_text import render_route

        out.write(render_route(route, answer))
    return EXIT_OK


def _topics(catalog: Catalog, as_json: bool, out: TextIO) -> int:
    topics = sorted(catalog.topics.values(), key=lambda t: (t.kind.value, t.title))
    if as_json:
        rows = [
            {
                "id": t.id,
                "kind": t.kind.value,
                "title": t.title,
                "aliases": list(t.aliases),
                "used_for": list(t.used_for),
                "snippets": [c.value for c in t.snippets],
            }
            for t in topics
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2), file=out)
        return EXIT_OK
    for topic in topics:
        print(f"{topic.id:<22} {topic.kind.value:<10} {topic.title}", file=out)
        print(f"{'':<33} aliases: {', '.join(topic.aliases)}", file=out)
    return EXIT_OK


def _export(catalog: Catalog, fmt: str, output: str | None, out: TextIO, err: TextIO) -> int:
    from bot.export import export

    document = export(catalog, fmt)
    if output is None:
        out.write(document)
        return EXIT_OK
    try:
        Path(output).write_text(document, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"Cannot write {output}: {error.strerror}") from None
    print(f"Wrote {output} ({len(catalog.topics)} topics, {fmt}).", file=err)
    return EXIT_OK


def _health(max_age: float, out: TextIO) -> int:
    from bot.settings import Settings, SettingsError

    try:
        data_dir = Settings.load().data_dir
    except SettingsError as error:  # a result, not an error: a bot without settings is not up
        print(f"unhealthy: {printable(error)}", file=out)
        return EXIT_NOT_FOUND
    healthy, reason = check_health(heartbeat_path(data_dir), max_age)
    print(reason, file=out)
    return EXIT_OK if healthy else EXIT_NOT_FOUND


def _check(content_dir: Path, out: TextIO) -> int:
    """Validate from source, always (never the cache)."""
    from bot.core.loader import ContentError, load_catalog

    try:
        catalog = load_catalog(content_dir)
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=out)
        print(f"\n{len(error.problems)} problem(s) in {content_dir}; fix them all.", file=out)
        return EXIT_NOT_FOUND
    snippets = sum(len(t.snippets) for t in catalog.topics.values())
    print(
        f"OK: {len(catalog.topics)} topics, {snippets} snippets, {len(catalog.sources)} sources "
        f"in {content_dir}.",
        file=out,
    )
    return EXIT_OK


def _token_configured() -> bool:
    """Whether DISCORD_TOKEN is set (the environment or ./.env): then no command means `run`."""
    from bot.settings import read_env_file

    return bool(os.environ.get("DISCORD_TOKEN") or read_env_file(Path(".env")).get("DISCORD_TOKEN"))


def main(
    argv: Sequence[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Run the command line; return the exit code.

    The one place that ends a command on an error: a BotError is printed to `err` (control
    characters escaped: it may quote a path or a setting) and gives its own exit code.
    """
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args, out, err)
    except BotError as error:
        print(printable(error), file=err)
        return error.exit_code


def _dispatch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run the chosen command; expected errors are raised as BotError."""
    content_dir = resolve_content_dir(args.content_dir)
    if args.action == "check":
        return _check(content_dir, out)
    if args.action == "health":
        return _health(args.max_age, out)
    if args.action in ("reports", "stats", "backup", "migrate", "move-data"):
        # reports and stats open the database with exclusive=False and backup reads it
        # directly, so all three work beside the running bot (which holds the data folder)
        from bot.curators import run_curator_command

        return run_curator_command(args, out)
    # an unreadable .env raises SettingsError: bot or console cannot be told apart without it
    token_set = args.action is None and _token_configured()
    if args.action in ("run", "sync") or token_set:
        from bot.discord_app.main import run_discord

        return run_discord(
            args.action or "run", args.content_dir, getattr(args, "guild", None), err
        )
    catalog = _load(content_dir)
    service = AnswerService(catalog)
    if args.action == "ask":
        return _ask(args, service, out)
    if args.action == "explain":
        from bot.core.ask import Asker

        return _explain(Asker(service), " ".join(args.question), args.json, out)
    if args.action == "topics":
        return _topics(catalog, args.json, out)
    if args.action == "export":
        return _export(catalog, args.format, args.output, out, err)
    if args.action == "suggest-aliases":
        from bot.suggest_aliases import run_suggest  # the only place the dictionary is read

        return run_suggest(catalog, content_dir, args.topic, args.write, args.accept, out)
    from bot.console import run_console

    return run_console(service, sys.stdin, out)


def run() -> None:
    """Entry point: no traceback ever reaches the person at the terminal."""
    try:
        code = main()
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader went away (e.g. `| head`); say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = EXIT_OK
    sys.exit(code)


__all__ = ["Command", "main", "run"]

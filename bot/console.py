"""The interactive console: type `/treatment sps` or `/ask QUESTION`, read the answer."""

from __future__ import annotations

import contextlib
from typing import TextIO

from bot.core.answers import COMMAND_HELP, AnswerService, UnknownCommandError, parse_command
from bot.core.ask import Asker
from bot.core.catalog import Command
from bot.render_text import render_answer

PROMPT = "> "
_QUIT = {"quit", "exit", "q", ":q"}


def help_text() -> str:
    """What the console understands."""
    lines = ["Ask like on Discord:"]
    examples = {
        Command.TREATMENT: "sps",
        Command.SIDEEFFECTS: "valium",
        Command.RESISTANCE: "mg",
    }
    for command, text in COMMAND_HELP.items():
        lines.append(f"  {'/' + command.value + ' ' + examples[command]:<22} {text}")
    lines.append(f"  {'/ask QUESTION':<22} a question in your own words, e.g. /ask is ivig safe?")
    lines.append(f"  {'/help':<22} this help")
    lines.append(f"  {'quit':<22} leave (or Ctrl-D)")
    return "\n".join(lines) + "\n"


ASK_USAGE = "Type a question after /ask, e.g. /ask is ivig safe in pregnancy"


class LazyAsker:
    """An Asker over `service`, built at the first question (most runs never need one)."""

    def __init__(self, service: AnswerService) -> None:
        self.service = service
        self._asker: Asker | None = None

    def __call__(self) -> Asker:
        """The Asker, built now if this is the first question."""
        if self._asker is None:
            self._asker = Asker(self.service)
        return self._asker


def respond(service: AnswerService, line: str, asker: LazyAsker | None = None) -> str | None:
    """The console's reply to one typed line; None means leave.

    `/ask` lines go to `asker` (run_console keeps one for the session; without it, one is
    built for this line).
    """
    text = line.strip()
    if not text:
        return ""
    word, _, rest = text.partition(" ")
    name = word.lstrip("/").casefold()
    if name in _QUIT:
        return None
    if name in {"help", "h", "?"}:
        return help_text()
    if name == "ask":
        if not rest.strip():
            return ASK_USAGE + ".\n"
        return render_answer((asker or LazyAsker(service))().ask(rest))
    try:
        command = parse_command(word)
    except UnknownCommandError as error:
        return f"{error} Type /help for examples.\n"
    return render_answer(service.ask(command, rest))


def _enable_line_editing() -> None:
    with contextlib.suppress(ImportError):  # e.g. Windows: input() without editing
        import readline  # noqa: F401 - importing it gives input() editing and history


def run_console(service: AnswerService, stdin: TextIO, out: TextIO) -> int:
    """Read lines until `quit` or end of input; a terminal gets line editing and history."""
    interactive = stdin.isatty()
    asker = LazyAsker(service)
    if interactive:
        _enable_line_editing()
        topics = len(service.catalog.topics)
        conditions = service.catalog.condition_names(" and ")
        out.write(f"{conditions} treatment information ({topics} topics).\n{help_text()}")
    while True:
        try:
            line = input(PROMPT) if interactive else stdin.readline()
        except EOFError:
            break
        if not interactive and line == "":
            break
        reply = respond(service, line, asker)
        if reply is None:
            break
        if reply:
            out.write(reply + "\n")
            out.flush()
    if interactive:
        out.write("\n")
    return 0

"""Discord round trips through the local stand-in, side by side with a constant-reply bot.

    .venv/bin/python benchmarks/bench_discord.py [--interactions 1500] [--rounds 5]

Starts the local Discord stand-in (tests/discord_standin.py) in this process, then, one after
the other, two bots as separate processes pointed at it with DISCORD_API_BASE and
DISCORD_GATEWAY_URL: the real bot (`python -m bot run`) and a bot whose /treatment replies
with a constant embed of the same size as a real answer, built once (the floor of discord.py
plus the stand-in). Each runs against its own stand-in; N interactions are sent to each, one
at a time and alternating between the two so machine noise hits both alike (a realistic mix
of queries, each from a different member so the cooldown does not interfere). The time from
INTERACTION_CREATE to the callback POST is measured, in rounds: the ratios of the p50s and of
the p99s are taken in each round and their medians reported. Also each bot's resident memory
(VmRSS) after the run. Floors (issue 15): p50 within 1.1x of the constant bot, p99 within 1.3x;
resident memory under 120 MB (issue 4).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "benchmarks"))

from figures import Figure, print_figures  # noqa: E402

from tests.discord_standin import DiscordStandIn  # noqa: E402

CONSTANT_BOT = """
import sys
import discord
from discord.ext import commands
from bot.content_dir import BUNDLED_CONTENT
from bot.core.answers import AnswerService
from bot.core.catalog import Command
from bot.core.loader import load_catalog
from bot.discord_app.client import point_at
from bot.discord_app.embeds import answer_embed

point_at(sys.argv[1], sys.argv[2])
bot = commands.AutoShardedBot(command_prefix=commands.when_mentioned,
                              intents=discord.Intents.none(),
                              allowed_mentions=discord.AllowedMentions.none())
service = AnswerService(load_catalog(BUNDLED_CONTENT))
# the same size of reply as a real answer (SPS treatment), built once
EMBED = answer_embed(service.catalog, service.ask(Command.TREATMENT, "sps"))

@bot.tree.command(name="treatment", description="constant")
async def treatment(interaction: discord.Interaction, topic: str) -> None:
    await interaction.response.send_message(embed=EMBED, ephemeral=True)

bot.run("stand-in-token", log_handler=None)
"""

QUERIES = ["sps", "ivig", "mg", "valium", "baclofin", "rituxan", "pizza", "ae", "mestinon", "plex"]


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Subject:
    """One bot process and the stand-in it talks to."""

    def __init__(self, name: str, command: list[str]) -> None:
        self.name = name
        self.command = command
        self.standin = DiscordStandIn()
        self.process: asyncio.subprocess.Process | None = None
        self.timings: list[float] = []

    async def start(self, env: dict[str, str]) -> None:
        """Start the stand-in, then the bot pointed at it; wait until it is ready."""
        await self.standin.start()
        api, gateway = self.standin.api_base, self.standin.gateway_url
        arguments = [a.replace("{api}", api).replace("{gw}", gateway) for a in self.command]
        environment = {**os.environ, **env, "DISCORD_API_BASE": api, "DISCORD_GATEWAY_URL": gateway}
        self.process = await asyncio.create_subprocess_exec(
            *arguments,
            cwd=ROOT,
            env=environment,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await self.standin.wait_until_ready(timeout=30)

    async def ask(self, number: int, record: bool = True) -> None:
        """One interaction from a new member; its round trip in milliseconds."""
        user = self.standin.new_user(f"member{number}")
        query = QUERIES[number % len(QUERIES)]
        sent = time.perf_counter()
        interaction = await self.standin.send_command("treatment", {"topic": query}, user=user)
        await self.standin.wait_for_callback(interaction, timeout=10)
        if record:
            self.timings.append((time.perf_counter() - sent) * 1000)

    async def stop(self) -> float:
        """Stop the bot (returning its resident memory in MB) and the stand-in."""
        assert self.process is not None
        memory = rss_mb(self.process.pid)
        self.process.terminate()
        await self.process.wait()
        await self.standin.stop()
        return memory


def p99(values: list[float]) -> float:
    """The 99th percentile."""
    return statistics.quantiles(values, n=100)[98]


async def figures(interactions: int = 1500, rounds: int = 5) -> list[Figure]:
    """Both bots side by side, alternating interactions, in rounds; the ratios beside floors."""
    env = {"DISCORD_TOKEN": "stand-in-token", "LOG_LEVEL": "WARNING"}
    subjects = [
        Subject("bot (python -m bot)", [sys.executable, "-m", "bot", "run"]),
        Subject("constant-reply bot", [sys.executable, "-c", CONSTANT_BOT, "{api}", "{gw}"]),
    ]
    for subject in subjects:
        await subject.start(env)
    for number in range(50):  # warm-up, not measured
        for subject in subjects:
            await subject.ask(number, record=False)
    per_round = max(1, interactions // rounds)
    p50_ratios: list[float] = []
    p99_ratios: list[float] = []
    number = 0
    for _ in range(rounds):
        for subject in subjects:
            subject.timings = []
        for _ in range(per_round):  # alternate, so machine noise hits both alike
            number += 1
            for subject in subjects:
                await subject.ask(number)
        real, constant = (subject.timings for subject in subjects)
        p50_ratios.append(statistics.median(real) / statistics.median(constant))
        p99_ratios.append(p99(real) / p99(constant))
    memory = [await subject.stop() for subject in subjects]
    p50_ratio, p99_ratio = statistics.median(p50_ratios), statistics.median(p99_ratios)
    shown = ", ".join(f"{ratio:.2f}" for ratio in p50_ratios)
    return [
        Figure(
            f"Discord round trip, p50, bot / constant-embed bot, {rounds} rounds of "
            f"{per_round} interactions (`bench_discord.py`)",
            f"{p50_ratio:.2f}x (rounds: {shown})",
            "within 1.1x",
            p50_ratio <= 1.1,
        ),
        Figure(
            "Discord round trip, p99, bot / constant-embed bot",
            f"{p99_ratio:.2f}x (rounds: {', '.join(f'{r:.2f}' for r in p99_ratios)})",
            "within 1.3x",
            p99_ratio <= 1.3,
        ),
        Figure(
            "resident memory after the run: bot / constant-embed bot",
            f"{memory[0]:.0f} MB / {memory[1]:.0f} MB",
            "under 120 MB (issue 4)",
            memory[0] < 120,
        ),
    ]


async def main() -> None:
    """Run both bots side by side and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print_figures(await figures(args.interactions, args.rounds))


if __name__ == "__main__":
    asyncio.run(main())

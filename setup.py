"""Build step for the compiled core; everything else about the package is in pyproject.toml.

The modules that every question runs through are compiled to C extensions with mypyc (it comes
with mypy, which already type-checks them strictly): the same code, about twice as quick per
question, so an answer costs what the network costs (issue 15). The `.py` files ship beside
the compiled ones. Set BOT_PURE_PYTHON=1 to build and install without a C compiler: the bot
then runs the same modules as plain Python, slower.

`make` builds them in place too (`python setup.py build_ext --inplace`), so the bot run from
the checkout, its tests and benchmarks import the compiled modules; the Makefile rebuilds them
whenever a module of bot/core changes.
"""

from __future__ import annotations

import os
import shutil
import sysconfig

from setuptools import setup

COMPILED = [
    "bot/core/normalize.py",
    "bot/core/typos.py",
    "bot/core/phrases.py",
    "bot/core/matcher.py",
    "bot/core/cues.py",
    "bot/core/warning_signs.py",
    "bot/core/interactions.py",
    "bot/core/answers.py",
]
"""The path of a question: normalising, typo and phrase matching, warning signs, the answer."""


def compiler_found() -> bool:
    """Whether the C compiler Python builds extensions with is installed."""
    command = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    return shutil.which(command.split()[0]) is not None


if os.environ.get("BOT_PURE_PYTHON"):
    setup()
elif not compiler_found():
    raise SystemExit(
        "rare-neuro-bot: no C compiler found to compile the bot's core (setup.py). Install one "
        "(Debian/Ubuntu: sudo apt install gcc), or set BOT_PURE_PYTHON=1 to install the bot as "
        "plain Python (the same answers, slower)."
    )
else:
    from mypyc.build import mypycify

    setup(ext_modules=mypycify(COMPILED, group_name="bot_core"))

"""`python -m bot`: see bot.cli."""

from bot.cli import run

if __name__ == "__main__":
    run()

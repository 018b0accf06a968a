"""Crisis words: questions that must lead with the emergency notice, whatever else they ask."""

from __future__ import annotations

import re

from bot.core.catalog import RedFlag

_TROUBLE = (
    r"(?:cant|cannot|can not|couldnt|unable to|struggling to|hard to|trouble|difficulty|problems?)"
)
_CRISIS_PATTERNS = (
    # breathing and swallowing (MG crisis, SPS spasms of the chest wall)
    rf"\b{_TROUBLE} (?:\w+ )?(?:breath|swallow)",
    r"\b(?:not|stopped|stop) breathing\b",
    r"\bshort(?:ness)? of breath",
    r"\bbreathless",
    r"\bgasping\b",
    r"\bchok(?:e|es|ed|ing)\b",
    r"\bblue lips\b",
    # seizures that do not stop
    r"\bseiz\w* (?:that |which )?(?:wont|will not|doesnt|does not|not|didnt|did not) stop",
    r"\bseiz\w* (?:for|lasting|over|more than) \w+ min",
    r"\bstatus epilepticus\b",
    r"\bnon ?stop seiz",
    # baclofen pump
    r"\bpump (?:is )?(?:alarm|beep)",
    r"\balarm\w* (?:on |from )?(?:my |the |his |her )?(?:baclofen |itb )?pump",
    # self-harm
    r"\bsuicid",
    r"\bkill(?:ing)? (?:my|him|her|them)sel(?:f|ves)\b",
    r"\bself ?harm",
    r"\bhurt(?:ing)? myself\b",
    r"\bwant(?:s|ing)? to die\b",
    r"\bend(?:ing)? (?:my life|it all)\b",
    # unresponsive
    r"\b(?:cant|cannot|wont) wake\b",
    r"\bunconscious\b",
    r"\bunresponsive\b",
)
_CRISIS = re.compile("|".join(f"(?:{p})" for p in _CRISIS_PATTERNS))


def is_crisis(normalised_query: str) -> bool:
    """True when a normalised query describes an emergency (breathing, seizure, pump, self-harm)."""
    return _CRISIS.search(normalised_query) is not None


def fitting_red_flags(normalised_query: str, flags: tuple[RedFlag, ...]) -> tuple[RedFlag, ...]:
    """The red flags one of whose keywords starts a word of the normalised query."""
    padded = f" {normalised_query}"
    return tuple(flag for flag in flags if any(f" {word}" in padded for word in flag.keywords))

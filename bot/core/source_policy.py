"""Which sources a clinician would accept: refused hosts, identifier forms, primary kinds."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.core.catalog import PRIMARY_KINDS, SourceKind

DOI = re.compile(r"^10\.\d{4,9}/[^\s]+$")
PMID = re.compile(r"^[1-9]\d{0,8}$")
PMC = re.compile(r"^PMC\d{1,9}$")
IDENTIFIERS: Mapping[str, tuple[re.Pattern[str], str]] = {
    "doi": (DOI, "must look like 10.1234/abc (no https://doi.org/ prefix)"),
    "pmid": (PMID, "must be the PubMed id's digits, e.g. '17142493'"),
    "pmc": (PMC, "must look like PMC1234567"),
}
"""Identifier keys of a source, each with its form and what to write instead."""


@dataclass(frozen=True)
class SourcePolicy:
    """Hosts never to link to (with the reason) and the kinds that count as primary."""

    refused_hosts: Mapping[str, str] = field(default_factory=dict)
    primary_kinds: tuple[SourceKind, ...] = PRIMARY_KINDS

    def refusal(self, url: str) -> str | None:
        """Why `url` may not be cited (its host or a parent domain is refused), or None."""
        host = host_of(url)
        while host:
            reason = self.refused_hosts.get(host)
            if reason is not None:
                return f"{host} is refused by the source policy ({reason})"
            _, _, host = host.partition(".")
        return None


def host_of(url: str) -> str:
    """The lower-case host of a URL, without `www.` and without a trailing dot."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    return host.removeprefix("www.")


def link_for(url: str, doi: str, pmid: str, pmc: str) -> str:
    """The link a member taps: the given URL, else the DOI, else PubMed, else PubMed Central."""
    if url:
        return url
    if doi:
        return f"https://doi.org/{doi}"
    if pmid:
        return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    return f"https://pmc.ncbi.nlm.nih.gov/articles/{pmc}/"

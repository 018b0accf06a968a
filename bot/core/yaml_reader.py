"""Safe YAML reading that keeps line numbers, rejects duplicate keys and leaves dates as text.

Anchors and aliases (`&name`, `*name`) are refused while the document is composed, before
anything is built from it: content never needs them, and a few lines of nested aliases (the
"billion laughs") would otherwise expand to billions of values.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.resolver import Resolver

ANCHORS_REFUSED = (
    "YAML anchors and aliases (&name, *name) are not allowed in content; write the value out"
)
"""The message for a file that uses an anchor or an alias."""
NESTED_TOO_DEEPLY = "values are nested too deeply (content needs only a few levels)"
"""The message for a file whose lists and mappings nest deeper than Python can follow."""

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class YamlSyntaxError(Exception):
    """A file that is not valid YAML, or uses YAML content may not; `line` is 1-based if known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class LineMap(dict[Any, Any]):
    """A YAML mapping that remembers the line of each key (1-based)."""

    line: int = 0
    lines: dict[Any, int]


class _PyParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """The pure-Python parser, for a PyYAML built without libyaml."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


# The C parser is several times faster; the Python one gives the same results. The type checker
# sees the C classes (the stubs describe them); a PyYAML without libyaml gets the Python ones.
if TYPE_CHECKING:
    from yaml import CSafeLoader as _FastBase
    from yaml._yaml import CParser as _Parser
else:
    try:
        from yaml import CSafeLoader as _FastBase
        from yaml._yaml import CParser as _Parser
    except ImportError:  # pragma: no cover - depends on how PyYAML was built
        from yaml import SafeLoader as _FastBase

        _Parser = _PyParser

_MAYBE_ANCHOR = re.compile(r"&(?<![0-9A-Za-z]&)(?!\s)")
"""An `&` that could start an anchor. One inside a word (a URL's `?a=1&b=2`) or before a space
(the phrase `double vision & worse*`) cannot, so text without a match has no anchor and hence
no alias either (an alias must name an anchor)."""


class _ContentLoader(Composer, _Parser, SafeConstructor, Resolver):
    """SafeLoader with line tracking and no anchors; it builds nothing but plain data.

    The C parser's own composer cannot be hooked, so the Python one (first in the bases)
    composes the C parser's events, refusing any anchor or alias before a node is made of it.
    """

    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """Compose the next node, unless it is an anchor or an alias."""
        event = self.peek_event()
        if event is not None and (
            isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None
        ):
            mark = event.start_mark
            raise YamlSyntaxError(ANCHORS_REFUSED, mark.line + 1 if mark is not None else None)
        return super().compose_node(parent, index)


class _FastLoader(_FastBase):
    """The C loader, all in C up to construction: for text in which no anchor can start."""


def _construct_mapping(loader: SafeConstructor, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    mapping = LineMap()
    mapping.line = node.start_mark.line + 1
    mapping.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be plain text", key_node.start_mark
            ) from None
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


_Loader = type[_ContentLoader] | type[_FastLoader]


def _builds_plain_data(loader: _Loader) -> None:
    """Make `loader` build LineMaps, and leave dates as text.

    A malformed date is then reported as a content error, not a crash.
    """
    loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    loader.yaml_constructors = {
        **loader.yaml_constructors,
        "tag:yaml.org,2002:map": _construct_mapping,
    }


_builds_plain_data(_ContentLoader)
_builds_plain_data(_FastLoader)


def _load_with(loader_class: _Loader, text: str) -> Any:
    """What yaml.load does, for a loader class its type hints do not list."""
    loader = loader_class(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _load(text: str) -> Any:
    if _MAYBE_ANCHOR.search(text) is None:
        try:
            return _load_with(_FastLoader, text)
        except yaml.YAMLError:
            pass  # an alias names no anchor, or bad syntax: the careful loader says which
    return _load_with(_ContentLoader, text)


def parse_yaml(text: str) -> Any:
    """Parse one YAML document; raise YamlSyntaxError (with a line when known) if refused."""
    try:
        return _load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        context = error.context or ""
        if context and error.context_mark is not None and error.context_mark is not mark:
            context += f" (from line {error.context_mark.line + 1})"
        message = ", ".join(part for part in (context, error.problem) if part)
        raise YamlSyntaxError(f"YAML syntax error: {message or error}", line) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(f"YAML syntax error: {error}", None) from None
    except RecursionError:
        raise YamlSyntaxError(NESTED_TOO_DEEPLY, None) from None


def read_yaml(path: Path) -> Any:
    """Parse one YAML file; raise YamlSyntaxError with a line number on bad syntax."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise YamlSyntaxError(f"not UTF-8 text ({error.reason})", None) from None
    return parse_yaml(text)

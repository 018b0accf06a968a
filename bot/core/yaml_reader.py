"""Safe YAML reading that keeps line numbers, rejects duplicate keys and leaves dates as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

try:  # the C parser is several times faster; the Python one gives the same results
    _Base: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Base = yaml.SafeLoader

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class LineMap(dict[Any, Any]):
    """A YAML mapping that remembers the line of each key (1-based)."""

    line: int = 0
    lines: dict[Any, int]


class _ContentLoader(_Base):  # type: ignore[misc,valid-type]
    """SafeLoader with line tracking; it builds nothing but plain data, like `yaml.safe_load`."""


# Dates stay strings so a malformed one is reported as a content error, not a crash.
_ContentLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _ContentLoader, node: yaml.MappingNode) -> LineMap:
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


_ContentLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


class YamlSyntaxError(Exception):
    """A file that is not valid YAML; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def read_yaml(path: Path) -> Any:
    """Parse one YAML file; raise YamlSyntaxError with a line number on bad syntax."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise YamlSyntaxError(f"not UTF-8 text ({error.reason})", None) from None
    try:
        return yaml.load(text, Loader=_ContentLoader)
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

"""Load YAML and remember on which line every key and value stands.

Validation errors must name the file, the line and the key; pydantic knows the
key path, this module knows the line.
"""

from __future__ import annotations

from typing import Any

import yaml

Path = tuple[Any, ...]


class YamlError(ValueError):
    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def load(text: str) -> tuple[Any, dict[Path, int]]:
    """Parse `text`; return (data, {key path: 1-based line})."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        raise YamlError(line, f"not valid YAML: {err.problem or err}") from None
    except yaml.YAMLError as err:
        raise YamlError(None, f"not valid YAML: {err}") from None
    lines: dict[Path, int] = {}
    if node is None:
        return {}, lines
    loader = yaml.SafeLoader("")
    try:
        return _convert(node, (), lines, loader), lines
    finally:
        loader.dispose()


def _convert(node: yaml.Node, path: Path, lines: dict[Path, int], loader: yaml.SafeLoader) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlError(key_node.start_mark.line + 1, "a key must be a plain word")
            key = key_node.value
            if key in result:
                raise YamlError(key_node.start_mark.line + 1, f"the key '{key}' is given twice")
            lines[path + (key,)] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, path + (key,), lines, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), lines, loader) for i, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as err:
        raise YamlError(node.start_mark.line + 1, f"cannot read this value: {err}") from None

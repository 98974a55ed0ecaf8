"""Load YAML and remember on which line every key and value stands.

Validation errors must name the file, the line and the key; pydantic knows the
key path, this module knows the line.

The config is read by the agent while it runs, and a broken one must be reported
like any other mistake (file, line) while the last good one stays in force. So the
YAML is bounded before anything is built from it:
- no aliases (`*name`). An alias repeats a value given elsewhere; one that holds
  itself (`people: &p [*p]`) never ends, and a few lines of aliases of aliases
  ("billion laughs") expand to billions of values. The config is a list of links and
  switches that never needs them, and a value written out where it is used is also
  one whose mistakes are reported on their own line. Anchors (`&name`) alone are harmless;
- at most MAX_DEPTH levels of nesting (the config needs four or five);
- at most MAX_CHARS characters (a config is a few KB, even with thousands of sites).
"""

from __future__ import annotations

from typing import Any

import yaml

from agent import yamlwords

Path = tuple[Any, ...]
MAX_DEPTH = 32
MAX_CHARS = 1_000_000


class YamlError(ValueError):
    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class BoundedLoader(yaml.SafeLoader):
    """The safe loader, refusing aliases and deep nesting as it composes (before anything is expanded)."""

    def __init__(self, text: str):
        super().__init__(text)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise YamlError(line, f"'*{event.anchor}' repeats a value from elsewhere in the file (a YAML alias); "
                                  "write the value out here instead")
        if self.depth >= MAX_DEPTH:
            raise YamlError(line, f"nested more than {MAX_DEPTH} levels deep; a config needs only a few")
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def fetch_flow_collection_start(self, token_class: type) -> None:
        # `[[[[...` is refused as the scanner meets it: PyYAML's scanner reads a line ahead and its
        # work per token grows with the depth, so waiting for the composer would be slow.
        if self.flow_level >= MAX_DEPTH:
            raise YamlError(self.line + 1, f"nested more than {MAX_DEPTH} levels deep; a config needs only a few")
        super().fetch_flow_collection_start(token_class)


def compose(text: str) -> yaml.Node | None:
    """The document's node tree, within the bounds above (YamlError otherwise)."""
    if len(text) > MAX_CHARS:
        raise YamlError(None, f"the file is over {MAX_CHARS // 1000:,} KB; a config is a few KB (is it the right file?)")
    loader = BoundedLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def load(text: str) -> tuple[Any, dict[Path, int]]:
    """Parse `text`; return (data, {key path: 1-based line})."""
    try:
        node = compose(text)
    except yaml.MarkedYAMLError as err:
        raise YamlError(*yamlwords.in_words(err, text)) from None
    except yaml.YAMLError:
        raise YamlError(None, yamlwords.NOT_READ.replace("this line", "the file")) from None
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
    except (yaml.YAMLError, ValueError, TypeError):  # a tag YAML does not know, a date like 2026-13-01, ...
        raise YamlError(node.start_mark.line + 1, "this value cannot be read; if it is meant as text, "
                                                  "put it in quotes") from None

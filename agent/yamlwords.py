"""A YAML mistake in plain words, at the line where it most likely is.

PyYAML says where it noticed a mistake, in its own terms ("mapping values are not allowed here", "expected
<block end>, but found '<block mapping start>'"), and often a line after the mistake itself: a key without its
colon is read on as text until the next line's colon. The person editing their config needs the line to look at
and what to write there: a tab, a missing colon, a line that does not line up, an unclosed quote or bracket.
"""

from __future__ import annotations

import re

import yaml

NOT_READ = ("this line cannot be read; look at its indentation (spaces, not tabs), the colon and space after "
            "each key, and that every quote and bracket is closed")
NOT_LINED_UP = ("this line does not line up with the lines above it: the keys of one section start in the same "
                "column, and what belongs to a key is indented further than the key (with spaces)")
_KEY_AND_VALUE = re.compile(r"\s*(?:-\s+)?([^\s:#'\"][^:#]*?):\s+(\S.*)")
_PLAIN_KEY = re.compile(r"[A-Za-z_][\w-]*")
_BRACKETS = {"[": "]", "{": "}"}


def in_words(err: yaml.MarkedYAMLError, text: str) -> tuple[int | None, str]:
    """(1-based line, what is wrong and what to write) for the parser's `err` on `text`."""
    lines = text.splitlines()
    problem, context = err.problem or "", err.context or ""
    mark = err.problem_mark or err.context_mark
    line = mark.line + 1 if mark else None
    column = err.problem_mark.column if err.problem_mark else 0
    here = _line(lines, line)

    if "\\t" in problem or "tab" in problem or "\t" in here[: column + 1]:
        return line, "there is a tab here, and YAML indents with spaces only; put spaces in its place"
    reserved = re.search(r"found character '(.)' that cannot start any token", problem)
    if reserved:
        return line, _reserved(reserved.group(1), here[column:])
    if problem.startswith("mapping values are not allowed"):
        return _stray_colon(lines, line, column)
    if problem.startswith("could not find expected ':'") and err.context_mark:
        return _no_colon(lines, err.context_mark.line + 1)
    if "quoted scalar" in context:
        start = err.context_mark.line + 1 if err.context_mark else line
        if "unknown escape" in problem:
            return line, ("a backslash (\\) inside double quotes starts a special character; "
                          "put the value in single quotes instead, like 'C:\\folder'")
        return start, "a quote opens here and is never closed; end the value with the same quote"
    if "flow" in context:
        opened = _unclosed_bracket(lines, line or len(lines))
        if opened:
            char, at = opened
            return at, (f"a {char} opens here and is not closed with {_BRACKETS[char]} "
                        "(or a comma is missing between two entries)")
        return line, "a bracket here is not closed, or a comma is missing between two entries"
    if problem.startswith(("expected <block end>", "did not find expected")):
        return line, NOT_LINED_UP
    return line, NOT_READ


def _line(lines: list[str], number: int | None) -> str:
    return lines[number - 1] if number and 0 < number <= len(lines) else ""


def _content_before(lines: list[str], number: int) -> int | None:
    """The number of the last line before `number` that holds more than a comment."""
    for n in range(number - 1, 0, -1):
        stripped = lines[n - 1].strip()
        if stripped and not stripped.startswith("#"):
            return n
    return None


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _with_colon(text: str) -> str:
    """`dating true` -> `dating: true`; `- alias J` -> `- alias: J`; `people` -> `people:`."""
    dash = "- " if text.startswith("- ") else ""
    key, _, rest = text.removeprefix(dash).strip().partition(" ")
    return f"{dash}{key}: {rest.strip()}" if rest.strip() else f"{dash}{key}:"


def _reserved(char: str, rest: str) -> str:
    word = re.match(r"[^\s,\]}]*", rest).group(0)
    if char == "@" and len(word) > 1:
        return (f"{word} cannot be written bare here, as YAML keeps @ for itself. If it is a handle: which "
                f"platform is {word} on? Put the link of their profile there instead, like https://x.com/{word[1:]}")
    return f"a value cannot start with {char} in YAML; put it in quotes, like '{word or char}'"


def _stray_colon(lines: list[str], line: int, column: int) -> tuple[int, str]:
    """A colon where none can be: in a value, after a key that lost its own colon, or on a line indented too far."""
    here = _line(lines, line)
    in_value = _KEY_AND_VALUE.match(here)
    if in_value and in_value.end(1) < column:
        key, value = in_value.group(1).strip(), in_value.group(2).strip()
        return line, (f"the value after '{key}:' holds a colon and a space; put the whole value in quotes, "
                      f"like {key}: \"{value}\"")
    before = _content_before(lines, line)
    above = _line(lines, before).split(" #")[0].rstrip()
    if before and ":" not in above:
        return before, f"'{above.strip()}' has no colon after its key; write it as {_with_colon(above.strip())}"
    if before and _indent(here) > _indent(above):
        return line, ("this line is indented further than the line above it; the keys of one section start in "
                      "the same column")
    return line, NOT_READ


def _no_colon(lines: list[str], line: int) -> tuple[int, str]:
    """A line the parser read as the start of a key and found no colon after."""
    here = _line(lines, line)
    before = _content_before(lines, line)
    above = _line(lines, before)
    if before and above.lstrip().startswith("- ") and _indent(above) == _indent(here):
        return line, (f"'{here.strip()}' sits among list items but does not start with a dash; "
                      f"write it as - {here.strip()}")
    if _PLAIN_KEY.fullmatch(here.strip().split(" ")[0].removeprefix("-")):
        return line, f"'{here.strip()}' has no colon after its key; write it as {_with_colon(here.strip())}"
    return line, NOT_READ


def _unclosed_bracket(lines: list[str], upto: int) -> tuple[str, int] | None:
    """The last [ or { opened and not closed up to line `upto`, with its line (quotes and comments skipped)."""
    stack: list[tuple[str, int]] = []
    for number, text in enumerate(lines[:upto], 1):
        quote = None
        for i, char in enumerate(text):
            if quote:
                quote = None if char == quote else quote
            elif char in "'\"" and (i == 0 or text[i - 1] in " \t[{,:"):  # a quote that opens a value
                quote = char
            elif char == "#" and (i == 0 or text[i - 1] in " \t"):
                break
            elif char in _BRACKETS:
                stack.append((char, number))
            elif stack and char == _BRACKETS[stack[-1][0]]:
                stack.pop()
    return stack[-1] if stack else None

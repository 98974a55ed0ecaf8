"""One bounded walk over a parsed JSON value (str keys): every node, with the keys that lead to it.

Pure (no I/O). Hostile input (deep, wide, large) costs at most the budget: the walk keeps its own
stack (no recursion), goes through each dict and list lazily (a list of a million items costs only
the items visited), and stops when the budget is spent. Keys are the dict keys from the root,
lower case, with list positions left out: in {"To": [{"Email": "a"}]} the leaf "a" has the keys
("to", "email"), so a field is found by its name whatever list it stands in.

    found = [value for keys, value in walk(data, 5000)
             if keys and keys[-1] == "username" and isinstance(value, str)]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import repeat
from typing import Any

Keys = tuple[str, ...]


class Budget:
    """The nodes that walks may still visit, and how many they did.

    One budget can be shared by several walks (the parts of one request body), so that all of them
    together stay within it; `spent` is the work done, for tests that assert a bound on it.
    """

    __slots__ = ("left", "nodes")

    def __init__(self, nodes: int) -> None:
        self.nodes = nodes
        self.left = nodes

    @property
    def spent(self) -> int:
        return self.nodes - self.left

    def take(self) -> bool:
        """Spend one node; False when none is left."""
        if self.left <= 0:
            return False
        self.left -= 1
        return True


def walk(value: Any, budget: Budget | int, prefix: Keys = (),
         into: Callable[[Keys, Any], bool] | None = None) -> Iterator[tuple[Keys, Any]]:
    """Every node of `value` (dicts, lists and scalars) with its keys, in document order, each before what it holds.

    `budget`: a shared `Budget`, or a number of nodes for this walk alone; every node yielded costs one.
    `into(keys, node)`: whether to go into a dict or list just yielded (by default every one), so that
    a caller can pass over parts it does not read without spending its budget on them.
    """
    if not isinstance(budget, Budget):
        budget = Budget(budget)
    # One iterator per dict or list being gone through, innermost last: its items are reached one at a time.
    stack: list[Iterator[tuple[Keys, Any]]] = [iter(((prefix, value),))]
    while stack and budget.left > 0:  # read each time: a caller may spend from the same budget between nodes
        item = next(stack[-1], None)
        if item is None:  # that dict or list is done
            stack.pop()
            continue
        budget.left -= 1
        yield item
        keys, node = item
        if isinstance(node, dict):
            if into is None or into(keys, node):
                stack.append(_fields(keys, node))
        elif isinstance(node, list) and (into is None or into(keys, node)):
            stack.append(zip(repeat(keys), node))


def _fields(keys: Keys, node: dict) -> Iterator[tuple[Keys, Any]]:
    for key, item in node.items():
        yield keys + (key.lower(),), item


def scalars(value: Any, budget: Budget | int, prefix: Keys = ()) -> Iterator[tuple[Keys, str | int | float]]:
    """The strings and numbers of `value` (never a bool or null), with their keys, in document order."""
    for keys, node in walk(value, budget, prefix):
        if isinstance(node, str | int | float) and not isinstance(node, bool):
            yield keys, node

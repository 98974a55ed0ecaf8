"""The bounded JSON walk (agent/engine/jsonwalk.py): nodes with their keys, in document order, within a budget."""

from __future__ import annotations

import json

from agent.engine.jsonwalk import Budget, scalars, walk


def test_nodes_come_with_their_keys_in_document_order():
    data = {"To": [{"Email": "a@x"}, "b@x"], "n": 1, "ok": True, "none": None, "f": 1.5}
    assert list(walk(data, 100)) == [
        ((), data), (("to",), data["To"]), (("to",), data["To"][0]), (("to", "email"), "a@x"), (("to",), "b@x"),
        (("n",), 1), (("ok",), True), (("none",), None), (("f",), 1.5)]
    assert list(scalars(data, 100)) == [(("to", "email"), "a@x"), (("to",), "b@x"), (("n",), 1), (("f",), 1.5)]
    assert list(scalars("x", 1, prefix=("body",))) == [(("body",), "x")]


def test_the_budget_bounds_the_walk_and_counts_it():
    data = json.loads("[" * 900 + "]" * 900)
    budget = Budget(100)
    assert len(list(walk(data, budget))) == 100 and budget.spent == 100 and budget.left == 0
    assert list(walk([1, 2], budget)) == []  # a spent budget walks nothing more
    wide = list(range(1_000_000))
    budget = Budget(5000)
    assert sum(1 for _ in scalars(wide, budget)) == 4999 and budget.spent == 5000  # the list itself costs one


class CountedList(list):
    """A list that counts the items taken from it."""

    taken = 0

    def __iter__(self):
        for item in super().__iter__():
            self.taken += 1
            yield item


def test_a_wide_list_costs_only_the_items_visited():
    wide = CountedList(range(1_000_000))
    assert len(list(walk({"a": wide}, 10))) == 10 and wide.taken == 8  # the dict, the list, 8 items


def test_one_budget_is_shared_by_several_walks():
    budget = Budget(5)
    assert len(list(walk([1, 2], budget))) == 3
    assert len(list(walk([3, 4, 5], budget))) == 2 and budget.spent == 5


def test_into_passes_over_parts_without_spending_on_them():
    data = {"entries": [{"text": "x"}] * 1000, "users": [{"id": "1"}]}
    budget = Budget(100)
    seen = [(keys, node) for keys, node in walk(data, budget, into=lambda keys, node: keys[-1:] != ("entries",))]
    assert (("users", "id"), "1") in seen and budget.spent == 5  # the dict, both lists, the user and its id

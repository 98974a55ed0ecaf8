"""The categories of whole sites a person can block, in one table.

Each key is at once the switch under `block:` in the config, the name of the
built-in list (`config/lists/<key>.txt`), a decision's `category`, and a
cooldown target. Adding a category is one row here and one list file.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Category:
    key: str
    label: str  # one site of it, as a sentence names it: "a dating site"
    plural: str  # the whole category: "dating sites"
    on_by_default: bool  # blocked when the config does not say
    # Pages of general sites that are sites of this category in their own right (Facebook Dating): URL
    # prefixes, blocked with the category, while the rest of the site is not.
    pages: tuple[str, ...] = ()
    # Top-level domains made for sites of this category alone (.dating): every site under one is one.
    endings: tuple[str, ...] = ()


CATEGORIES: tuple[Category, ...] = (
    Category("dating", "a dating site", "dating sites", on_by_default=True,
             pages=("facebook.com/dating", "t.me/leomatchbot"),  # Facebook Dating; Leomatch, a dating bot
             endings=("dating", "singles")),
    Category("social", "a social site", "social sites", on_by_default=False),
    Category("people_search", "a people-search site", "people-search sites", on_by_default=True),
    Category("viewers", "a profile viewer", "profile viewers", on_by_default=True),
    Category("messaging", "a messaging app", "messaging apps", on_by_default=False),
)
CATEGORY_KEYS: tuple[str, ...] = tuple(category.key for category in CATEGORIES)
BY_KEY: dict[str, Category] = {category.key: category for category in CATEGORIES}


def site_words(key: str) -> str:
    """One site of a category without its article, for a list or a heading: "people-search site".
    A category of the person's own (a list they named) is shown by its own name."""
    category = BY_KEY.get(key)
    return category.label.split(" ", 1)[1] if category else key

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
    # prefixes, blocked with the category where their site is read anyway (someone is set up, or social
    # sites are blocked); the rest of the site is not blocked, and no site is decrypted for them alone.
    pages: tuple[str, ...] = ()
    # Top-level domains meant for sites of this category (.dating): every site under one is taken as one;
    # a site there that is not is let through with `allow:`.
    endings: tuple[str, ...] = ()


CATEGORIES: tuple[Category, ...] = (
    Category("dating", "a dating site", "dating sites", on_by_default=True,
             pages=("facebook.com/dating", "t.me/leomatchbot", "telegram.me/leomatchbot"),  # Leomatch: a dating bot
             endings=("dating", "singles")),
    Category("social", "a social site", "social sites", on_by_default=False),
    Category("people_search", "a people-search site", "people-search sites", on_by_default=True),
    Category("viewers", "a profile viewer", "profile viewers", on_by_default=True),
    Category("messaging", "a messaging app", "messaging apps", on_by_default=False),
)
CATEGORY_KEYS: tuple[str, ...] = tuple(category.key for category in CATEGORIES)
ENDINGS: frozenset[str] = frozenset(ending for category in CATEGORIES for ending in category.endings)
BY_KEY: dict[str, Category] = {category.key: category for category in CATEGORIES}


def site_words(key: str) -> str:
    """One site of a category without its article, for a list or a heading: "people-search site".
    A category of the person's own (a list they named) is shown by its own name."""
    category = BY_KEY.get(key)
    return category.label.split(" ", 1)[1] if category else key

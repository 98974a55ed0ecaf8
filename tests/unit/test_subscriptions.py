"""Subscribed domain lists: reading the three forms, the `lists:` section, and the copies kept (file lists, a set clock)."""

from __future__ import annotations

import json

import pytest

from agent.commitment import loosens, stricter
from agent.config import ConfigError, parse_config
from agent.engine.policy import Policy
from agent.lists import parse as domainlists
from agent.lists.parse import problem, read_domain_list
from agent.lists.subscriptions import FAILING_DAYS, RETRY_SECONDS, Subscriptions, list_key
from tests.conftest import Clock

# --- reading a list -------------------------------------------------------------------


def test_hosts_plain_and_adblock_forms_are_read_alike():
    text = (
        "# a hosts file\n127.0.0.1 localhost\n::1 localhost ip6-localhost\n255.255.255.255 broadcasthost\n"
        "0.0.0.0 one.example\n127.0.0.1 Two.Example.  # upper case, a trailing dot\n0.0.0.0 three.example four.example\n"
        "[Adblock Plus 2.0]\n! an adblock comment\n||five.example^\n||six.example^$important\n"
        "seven.example\n*.eight.example\n\r\n"
    )
    found = read_domain_list(text)
    assert found.domains == ("one.example", "two.example", "five.example", "six.example", "seven.example",
                             "eight.example", "three.example", "four.example")
    assert found.skipped == 0 and problem(found) is None


def test_lines_that_are_not_whole_domains_are_skipped_and_counted():
    text = "good.example\n||ads.example^$third-party\n@@||fine.example^\n||x.example/path^\n1.2.3.4\nsome words here\n"
    found = read_domain_list(text)
    assert found.domains == ("good.example",)
    assert (found.skipped, found.first_skipped) == (5, 2)


def test_a_public_suffix_is_never_a_listed_site():
    found = read_domain_list("co.uk\ngithub.io\n0.0.0.0 blogspot.com\nsomeone.github.io\nanything.ck\nreal.example\n")
    assert found.domains == ("someone.github.io", "real.example")
    assert found.skipped == 4


def test_international_names_become_punycode():
    assert read_domain_list("bücher.example\n").domains == ("xn--bcher-kva.example",)


def test_each_domain_once():
    assert read_domain_list("a.example\n0.0.0.0 a.example\n||a.example^\n").domains == ("a.example",)


@pytest.mark.parametrize("text, why", [
    ("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "it is not text"),
    ("<!doctype html><title>Sign in to the Wi-Fi</title>", "a web page came back"),
    ("", "it holds no domains"),
    ("# only comments\n", "it holds no domains"),
    ('{"error": "rate limited"}\n', "it holds no domains (1 lines"),
    ("a.example\n" + "not a domain\n" * 6, "most of it is not domains"),
])
def test_a_copy_that_is_not_a_list_is_refused(text, why):
    assert problem(read_domain_list(text)).startswith(why)


def test_a_copy_far_smaller_than_the_last_good_one_is_refused():
    copy = read_domain_list("a.example\nb.example\n")
    assert "shrank from 1,000 to 2 domains" in problem(copy, last_good=1000)
    assert problem(copy, last_good=15) is None


def test_an_enormous_list_is_refused(monkeypatch):
    monkeypatch.setattr(domainlists, "MAX_DOMAINS", 10)
    copy = read_domain_list("".join(f"site{n}.example\n" for n in range(50)))
    assert copy.too_many and problem(copy) == "it has more than 10 domains"


# --- the `lists:` section --------------------------------------------------------------

ONE = "lists:\n  - url: https://example.org/dating-hosts.txt\n    category: dating\n    every: 24h\n"


def test_a_subscription_as_written():
    config = parse_config(ONE + "  - url: file:///home/me/mine.txt\n    category: my-sites\n")
    first, second = config.lists
    assert (first.url, first.category, first.every) == ("https://example.org/dating-hosts.txt", "dating", 86400)
    assert (second.category, second.every) == ("my-sites", 86400)
    assert parse_config("").lists == []  # off unless written


@pytest.mark.parametrize("entry, expected", [
    ("  - url: ftp://example.org/list.txt\n    category: dating\n",
     "my.yaml:2: lists[0].url: 'ftp://example.org/list.txt' is not a list address; it starts with https://"),
    ("  - url: https:///list.txt\n    category: dating\n", "my.yaml:2: lists[0].url: 'https:///list.txt' names no host"),
    ("  - url: file:my-list.txt\n    category: dating\n",
     "my.yaml:2: lists[0].url: 'file:my-list.txt' names no whole path to a file; write it like file:///home/"),
    ("  - url: https://example.org/a.txt\n    category: Dating Sites\n",
     "my.yaml:3: lists[0].category: 'Dating Sites' is neither a category (dating, social, people_search"),
    ("  - url: https://example.org/a.txt\n    category: app\n", "my.yaml:3: lists[0].category: 'app' is neither"),
    ("  - url: https://example.org/a.txt\n", "my.yaml:2: lists[0].category: is required here"),
    ("  - url: https://example.org/a.txt\n    category: dating\n    every: 10m\n",
     "my.yaml:4: lists[0].every: is too often; a list is fetched at most once an hour"),
    ("  - url: https://example.org/a.txt\n    category: dating\n    evry: 1h\n",
     "my.yaml:4: lists[0].evry: unknown key (expected one of: url, category, every)"),
    ("  - https://example.org/a.txt\n", "my.yaml:2: lists[0]: expected a section of keys"),
])
def test_mistakes_name_the_line_and_key(entry, expected):
    with pytest.raises(ConfigError) as info:
        parse_config("lists:\n" + entry, "my.yaml")
    assert str(info.value).startswith(expected), str(info.value)


def test_a_list_name_of_ones_own_can_have_its_own_delay():
    config = parse_config("lists:\n  - url: https://example.org/a.txt\n    category: gambling\n"
                          "cooldown:\n  delays: {gambling: 1h}\n")
    assert config.cooldown.delays == {"gambling": 3600}


@pytest.mark.parametrize("new", [
    "",  # the subscription removed
    "lists:\n  - url: https://example.org/dating-hosts.txt\n    category: dating\n    every: 48h\n",
    "lists:\n  - url: https://example.org/dating-hosts.txt\n    category: social\n",
    "lists:\n  - url: https://example.org/other.txt\n    category: dating\n",
])
def test_taking_a_list_away_or_fetching_it_less_often_loosens(new):
    assert loosens(parse_config(ONE), parse_config(new))


@pytest.mark.parametrize("new", [
    ONE + "  - url: https://example.org/more.txt\n    category: social\n",
    "lists:\n  - url: https://example.org/dating-hosts.txt\n    category: dating\n    every: 6h\n",
])
def test_adding_a_list_or_fetching_it_more_often_tightens(new):
    assert not loosens(parse_config(ONE), parse_config(new))


def test_a_removed_list_stays_in_the_stricter_mix():
    new = parse_config("lists:\n  - url: https://example.org/other.txt\n    category: dating\n    every: 2h\n")
    assert [(s.url, s.every) for s in stricter(parse_config(ONE), new).lists] == [
        ("https://example.org/other.txt", 7200), ("https://example.org/dating-hosts.txt", 86400)]


# --- the copies kept ---------------------------------------------------------------------


@pytest.fixture
def clock() -> Clock:
    return Clock(1_800_000_000.0)


@pytest.fixture
def listed(tmp_path):
    """A list file and the config that subscribes to it (under `category`, `dating` unless said)."""
    path = tmp_path / "list.txt"

    def config(category: str = "dating", more: str = ""):
        return parse_config(f"lists:\n  - url: {path.as_uri()}\n    category: {category}\n" + more)

    path.write_text("0.0.0.0 one.example\n0.0.0.0 two.example\n")
    return path, config


def fetch_all(store: Subscriptions, config) -> list:
    outcomes = []
    for subs in store.addresses(config).values():
        outcome = store.fetch(subs[0], config.cooldown.delay)
        store.accept(outcome)
        outcomes.append(outcome)
    return outcomes


def blocked(store: Subscriptions, config, host: str) -> bool:
    return Policy(config, store.for_policy(config)).decide(f"https://{host}/").blocked


def write(path, text: str, clock: Clock) -> None:
    path.write_text(text)
    clock.advance(1)


def test_a_fetched_list_blocks_and_is_kept_for_the_next_start(tmp_path, listed, clock):
    path, config = listed
    store = Subscriptions(tmp_path / "lists", wall=clock)
    [outcome] = fetch_all(store, config())
    assert outcome.changed and outcome.news.startswith("The dating site list from list.txt now has 2 sites")
    assert blocked(store, config(), "www.one.example")
    again = Subscriptions(tmp_path / "lists", wall=clock)
    assert again.domains(path.as_uri()) == ("one.example", "two.example")
    saved = json.loads((tmp_path / "lists" / f"{list_key(path.as_uri())}.json").read_text())
    assert saved["domains"] == 2 and saved["fetched"] == clock.now


def test_an_unchanged_file_is_not_read_again(tmp_path, listed, clock):
    path, config = listed
    store = Subscriptions(tmp_path / "lists", wall=clock)
    fetch_all(store, config())
    clock.advance(86400)
    [outcome] = fetch_all(store, config())
    assert not outcome.changed and outcome.domains is None and outcome.kept.fetched == clock.now


def test_a_subscription_blocks_whatever_its_category_switch_says(tmp_path, listed, clock):
    _, config = listed
    store = Subscriptions(tmp_path / "lists", wall=clock)
    off = config(more="block: {dating: false}\n")
    fetch_all(store, off)
    decision = Policy(off, store.for_policy(off)).decide("https://one.example/")
    assert decision.blocked and decision.category == "dating"
    assert not Policy(off, store.for_policy(off)).decide("https://tinder.com/").blocked  # the built-in list is off


def test_a_list_under_a_name_of_ones_own(tmp_path, listed, clock):
    _, config = listed
    store = Subscriptions(tmp_path / "lists", wall=clock)
    fetch_all(store, config("gambling"))
    decision = Policy(config("gambling"), store.for_policy(config("gambling"))).decide("https://two.example/x")
    assert (decision.action, decision.reason, decision.category, decision.rule) == (
        "block", "category", "gambling", "gambling list: two.example")


def test_a_domain_gone_from_the_list_waits_out_the_cooldown_delay(tmp_path, listed, clock):
    path, config = listed
    cfg = config(more="cooldown: {delay: 30m}\n")
    store = Subscriptions(tmp_path / "lists", wall=clock)
    fetch_all(store, cfg)
    write(path, "0.0.0.0 one.example\n0.0.0.0 three.example\n", clock)
    [outcome] = fetch_all(store, cfg)
    assert outcome.changed
    assert blocked(store, cfg, "three.example"), "new ones at once"
    assert blocked(store, cfg, "two.example"), "gone ones wait"
    assert store.rows(cfg)[0]["held"] == 1
    clock.advance(29 * 60)
    assert not store.expire(cfg) and blocked(store, cfg, "two.example")
    clock.advance(2 * 60)
    assert store.expire(cfg)
    assert not blocked(store, cfg, "two.example") and blocked(store, cfg, "one.example")
    assert Subscriptions(tmp_path / "lists", wall=clock).kept(path.as_uri()).gone == {}


def test_a_domain_back_in_the_list_is_no_longer_waiting_to_go(tmp_path, listed, clock):
    path, config = listed
    store = Subscriptions(tmp_path / "lists", wall=clock)
    fetch_all(store, config())
    write(path, "0.0.0.0 one.example\n", clock)
    fetch_all(store, config())
    write(path, "0.0.0.0 one.example\n0.0.0.0 two.example\n", clock)
    fetch_all(store, config())
    assert store.kept(path.as_uri()).gone == {}


@pytest.mark.parametrize("bad", ["", "<html><body>Not found</body></html>", "\x00\x01\x02binary"])
def test_a_bad_copy_keeps_the_last_good_one_in_force(tmp_path, listed, clock, bad):
    path, config = listed
    store = Subscriptions(tmp_path / "lists", wall=clock)
    fetch_all(store, config())
    write(path, bad, clock)
    [outcome] = fetch_all(store, config())
    assert not outcome.changed and outcome.domains is None
    assert "Its last good copy (2 sites) stays in force." in outcome.news
    assert blocked(store, config(), "one.example")
    row = store.rows(config())[0]
    assert row["domains"] == 2 and row["last_error"] and row["next_fetch"] == clock.now + RETRY_SECONDS


def test_a_missing_file_says_so_and_a_first_failure_blocks_nothing_yet(tmp_path, clock):
    config = parse_config(f"lists:\n  - url: {(tmp_path / 'nothing.txt').as_uri()}\n    category: social\n")
    store = Subscriptions(tmp_path / "lists", wall=clock)
    [outcome] = fetch_all(store, config)
    assert outcome.kept.error.startswith("there is no file")
    assert outcome.news.endswith("It blocks nothing until a good copy arrives.")
    assert store.for_policy(config)["social"] == ()


def test_failing_for_days_is_told_once_and_the_same_error_is_said_once(tmp_path, listed, clock):
    path, config = listed
    store = Subscriptions(tmp_path / "lists", wall=clock)
    fetch_all(store, config())
    path.unlink()
    [first] = fetch_all(store, config())
    assert first.news and first.tell is None
    clock.advance(RETRY_SECONDS)
    [second] = fetch_all(store, config())
    assert second.news is None and second.tell is None
    clock.advance(FAILING_DAYS * 86400)
    [third] = fetch_all(store, config())
    assert third.tell == (f"the dating site list from list.txt has not refreshed for {FAILING_DAYS} days; "
                          "its last good copy (2 sites) still applies")
    clock.advance(RETRY_SECONDS)
    [fourth] = fetch_all(store, config())
    assert fourth.tell is None
    path.write_text("0.0.0.0 one.example\n0.0.0.0 two.example\n")
    [good] = fetch_all(store, config())
    assert good.kept.error is None and good.kept.failing_since is None and not good.kept.told


def test_lists_are_due_at_their_period(tmp_path, listed, clock):
    path, config = listed
    cfg = config(more="").model_copy()
    store = Subscriptions(tmp_path / "lists", wall=clock)
    assert store.due(cfg) == [path.as_uri()]  # never fetched: now
    fetch_all(store, cfg)
    clock.advance(86400 - 1)
    assert store.due(cfg) == []
    clock.advance(1)
    assert store.due(cfg) == [path.as_uri()]


def test_an_edited_copy_on_disk_is_not_taken_for_the_list(tmp_path, listed, clock):
    path, config = listed
    store = Subscriptions(tmp_path / "lists", wall=clock)
    fetch_all(store, config())
    (tmp_path / "lists" / f"{list_key(path.as_uri())}.txt").write_text("one.example\n")
    again = Subscriptions(tmp_path / "lists", wall=clock)
    assert again.domains(path.as_uri()) == ()
    assert again.due(config()) == [path.as_uri()], "fetched again at once, in full"
    fetch_all(again, config())
    assert again.domains(path.as_uri()) == ("one.example", "two.example")


def test_one_address_feeds_each_category_it_is_subscribed_under(tmp_path, listed, clock):
    path, _ = listed
    config = parse_config(f"lists:\n  - url: {path.as_uri()}\n    category: dating\n"
                          f"  - url: {path.as_uri()}\n    category: mine\n    every: 2h\n")
    store = Subscriptions(tmp_path / "lists", wall=clock)
    assert len(fetch_all(store, config)) == 1
    lists = store.for_policy(config)
    assert "one.example" in lists["dating"] and lists["mine"] == ("one.example", "two.example")
    assert [row["next_fetch"] for row in store.rows(config)] == [clock.now + 7200] * 2


def test_the_pac_tables_are_the_same_text_made_a_name_at_a_time():
    import random

    from agent.web.pac import RUN, table

    rng = random.Random(7)
    for count in (0, 1, RUN, RUN * 3 + 5):
        names = {"".join(rng.choice("abc.-_9Zé\"") for _ in range(rng.randint(1, 10))) for _ in range(count)}
        assert table(names) == json.dumps(dict.fromkeys(sorted(names), 1), separators=(",", ":"))


def test_the_refresh_job_fetches_every_list_at_start_only(tmp_path, listed, clock):
    import asyncio
    from types import SimpleNamespace

    from agent.lists.subscriptions import keep_lists

    path, config = listed
    store = Subscriptions(tmp_path / "lists", wall=clock)
    agent = SimpleNamespace(config=config(), lists=store, guard_event=lambda *_: None)
    agent.policy = Policy(agent.config, store.for_policy(agent.config))

    async def run_until_tried(tries: int = 500) -> float | None:
        task = asyncio.create_task(keep_lists(agent))
        for _ in range(tries):
            await asyncio.sleep(0.01)
            if store.kept(path.as_uri()).tried == clock.now:
                break
        task.cancel()
        return store.kept(path.as_uri()).tried

    assert asyncio.run(run_until_tried()) == clock.now
    assert agent.policy.decide("https://one.example/").blocked
    first = clock.now
    clock.advance(60)
    assert asyncio.run(run_until_tried(30)) == first, "started again (after a failure): only what is due"

"""Every way a request can carry the person, end to end through the policy: one table per behaviour.

Each table holds the forms that must be blocked beside the look-alikes that must stay allowed (another
handle that starts with, ends with or contains theirs; a news article; a search sharing a word).
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest

from agent.config import parse_config
from agent.engine.policy import MAX_WRAPPING, Policy
from agent.engine.urls import parse

REACH_CONFIG = """
people:
  - alias: J
    profiles:
      - https://www.instagram.com/casey.lindqvist/
      - https://www.facebook.com/casey.lindqvist
      - https://www.facebook.com/profile.php?id=100098765432101
      - https://x.com/caseylindq
      - https://www.tiktok.com/@casey.lindqvist
      - https://www.snapchat.com/add/caseylq
      - https://www.linkedin.com/in/casey-lindqvist-4a1b2c/
      - https://www.reddit.com/user/casey_lq/
      - https://bsky.app/profile/caseylq.bsky.social
      - https://www.youtube.com/@caseylq
      - https://www.twitch.tv/caseylq_live
      - https://soundcloud.com/caseylq
      - https://github.com/caseylq-dev
    names: ["Casey Lindqvist"]
    emails: ["casey.l@example.org"]
"""
REACH: dict[str, tuple[list[str], list[str]]] = {  # behaviour -> (must block, must allow)
    "embeds, widgets and avatars": ([
        "https://publish.twitter.com/oembed?url=https%3A%2F%2Ftwitter.com%2Fcaseylindq",
        "https://publish.twitter.com/?query=https%3A%2F%2Ftwitter.com%2Fcaseylindq&widget=Timeline",
        "https://syndication.twitter.com/srv/timeline-profile/screen-name/caseylindq",
        "https://cdn.syndication.twimg.com/timeline/profile?screen_name=caseylindq",
        "https://api.instagram.com/oembed?url=https://www.instagram.com/casey.lindqvist/",
        "https://graph.facebook.com/v18.0/instagram_oembed?url=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F",
        "https://graph.facebook.com/100098765432101/picture?type=large",
        "https://www.facebook.com/plugins/page.php?href=https%3A%2F%2Fwww.facebook.com%2Fcasey.lindqvist&tabs=timeline",
        "https://www.facebook.com/v18.0/plugins/page.php?href=https%3A%2F%2Fwww.facebook.com%2Fprofile.php%3Fid%3D100098765432101",
        "https://www.tiktok.com/oembed?url=https://www.tiktok.com/@casey.lindqvist",
        "https://app.snapchat.com/web/deeplink/snapcode?username=caseylq&type=SVG",
        "https://embed.bsky.app/oembed?url=https%3A%2F%2Fbsky.app%2Fprofile%2Fcaseylq.bsky.social%2Fpost%2F3kabc",
        "https://www.youtube.com/oembed?url=https%3A%2F%2Fwww.youtube.com%2F%40caseylq&format=json",
        "https://unavatar.io/x/caseylindq?fallback=false",
        "https://images.weserv.nl/?url=https://unavatar.io/instagram/casey.lindqvist",
        "https://wsrv.nl/?url=unavatar.io/instagram/casey.lindqvist",
        "https://www.instagram.com/embed/badge?username=casey.lindqvist",
        # their avatar asked for by their email address alone (its MD5 or SHA-256, trimmed and in lower case)
        "https://www.gravatar.com/avatar/" + hashlib.md5(b"casey.l@example.org").hexdigest() + "?s=200",
        "https://gravatar.com/avatar/" + hashlib.sha256(b"casey.l@example.org").hexdigest(),
        "https://en.gravatar.com/" + hashlib.md5(b"casey.l@example.org").hexdigest() + ".json",
        "https://unavatar.io/casey.l@example.org",
        "https://unavatar.io/gravatar/Casey.L@example.org?fallback=false",
    ], [
        "https://publish.twitter.com/oembed?url=https%3A%2F%2Ftwitter.com%2Fcaseylindq_fan",
        "https://graph.facebook.com/100098765432102/picture?type=large",
        "https://www.facebook.com/plugins/page.php?href=https%3A%2F%2Fwww.facebook.com%2Fcaseylindqvistphotography",
        "https://www.tiktok.com/oembed?url=https://www.tiktok.com/@casey.lindqvist_",
        "https://app.snapchat.com/web/deeplink/snapcode?username=caseylq2&type=SVG",
        "https://unavatar.io/instagram/casey.lindqvist.art",
        "https://images.weserv.nl/?url=https://news.example/casey-lindqvist.jpg",
        "https://www.gravatar.com/avatar/" + hashlib.md5(b"casey.l2@example.org").hexdigest(),
        "https://unavatar.io/casey.l@example.org.uk",
        "https://unavatar.io/someone@example.org",
    ]),
    "login and consent pages that return to the profile": ([
        "https://www.instagram.com/accounts/login/?next=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F",
        "https://www.instagram.com/accounts/login/?next=/casey.lindqvist/",
        "https://www.instagram.com/challenge/?next=%2Fcasey.lindqvist%2F%3Fhl%3Den",
        "https://x.com/i/flow/login?redirect_after_login=%2Fcaseylindq",
        "https://twitter.com/login?redirect_after_login=https%3A%2F%2Ftwitter.com%2Fcaseylindq",
        "https://m.facebook.com/login.php?next=%2Fcasey.lindqvist&refsrc=deprecated",
        "https://www.linkedin.com/authwall?trk=bf&sessionRedirect=https%3A%2F%2Fwww.linkedin.com%2Fin%2Fcasey-lindqvist-4a1b2c",
        "https://www.linkedin.com/signup/cold-join?session_redirect=%2Fin%2Fcasey-lindqvist-4a1b2c",
        "https://www.tiktok.com/login?redirect_url=https%3A%2F%2Fwww.tiktok.com%2F%40casey.lindqvist",
        "https://www.reddit.com/login/?dest=https%3A%2F%2Fwww.reddit.com%2Fuser%2Fcasey_lq%2F",
        "https://accounts.snapchat.com/accounts/v2/login?continue=%2Fadd%2Fcaseylq",
        "https://consent.youtube.com/m?continue=https%3A%2F%2Fwww.youtube.com%2F%40caseylq%3Fcbrd%3D1&gl=GB",
        "https://www.threads.net/login?next=https%3A%2F%2Fwww.threads.net%2F%40casey.lindqvist",
    ], [
        "https://www.instagram.com/accounts/login/?next=%2Fcasey.lindqvist2%2F",
        "https://www.instagram.com/accounts/login/?next=https%3A%2F%2Fwww.instagram.com%2Fexplore%2F",
        "https://x.com/i/flow/login?redirect_after_login=%2Fcaseylindq_fan",
        "https://www.facebook.com/login/?next=https%3A%2F%2Fwww.facebook.com%2Fcaseylindqvist.art",
        "https://www.linkedin.com/login?session_redirect=%2Fin%2Fcasey-lindqvist-99",
        "https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fnews.example%2Fcasey-lindqvist-wins",
    ]),
    "wrappers": ([
        "https://www-instagram-com.cdn.ampproject.org/c/s/www.instagram.com/casey.lindqvist/",
        "https://translate.google.co.uk/translate?sl=auto&tl=en&u=https://www.instagram.com/casey.lindqvist/",
        "https://x-com.translate.goog/caseylindq?_x_tr_sl=auto&_x_tr_tl=en",
        "https://12ft.io/proxy?q=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F",
        "https://r.jina.ai/https://x.com/caseylindq",
        "https://feedly.com/i/subscription/feed/https://www.reddit.com/user/casey_lq/.rss",
        "https://l.threads.net/?u=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F&e=AT0abc",
        "https://substack.com/redirect/2/eyJlIjoiaHR0cHM6Ly93d3cuaW5zdGFncmFtLmNvbS9jYXNleS5saW5kcXZpc3QvIn0.sig",
        "https://www.google.com/url?q=https://12ft.io/https://archive.ph/newest/https://x.com/caseylindq",
    ], [
        "https://12ft.io/https://www.nytimes.com/2024/01/01/world/story.html",
        "https://r.jina.ai/https://x.com/caseylindq_fan",
        "https://www-instagram-com.cdn.ampproject.org/c/s/www.instagram.com/casey.lindqvist.art/",
        "https://translate.google.co.uk/translate?u=https://news.example/casey-lindqvist-wins",
    ]),
    "archives": ([
        "https://archive.ph/?url=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F",
        "https://archive.today/?run=1&url=https://x.com/caseylindq",
        "https://web.archive.org/web/*/instagram.com/casey.lindqvist*",
        "https://web.archive.org/web/2024*/x.com/caseylindq*",
        "https://web.archive.org/web/*/tiktok.com/@casey.lindqvist*",
        "https://web.archive.org/web/*/facebook.com/profile.php?id=100098765432101*",
        "https://archive.org/wayback/available?url=instagram.com/casey.lindqvist",
        "https://web.archive.org/cdx/search/cdx?url=twitter.com/caseylindq/status/*&output=json",
        "https://web.archive.org/__wb/sparkline?output=json&url=instagram.com%2Fcasey.lindqvist&collection=web",
        "https://ghostarchive.org/search?term=x.com%2Fcaseylindq",
        "https://web.archive.org/search?query=casey+lindqvist",
        "https://web.archive.org/web/*/caseylindq*",  # a bare handle typed into the Wayback Machine's box
        "https://archive.org/advancedsearch.php?q=casey.lindqvist&fl%5B%5D=identifier&output=json",
        "https://ghostarchive.org/search?term=casey.lindqvist",
        "https://archive.ph/search/?q=caseylindq",
        "https://arquivo.pt/textsearch?q=casey+lindqvist",
        "https://www.webarchive.org.uk/en/ukwa/search?query=casey+lindqvist",
    ], [
        "https://web.archive.org/web/*/instagram.com/casey.lindqvist2*",
        "https://archive.org/wayback/available?url=instagram.com/casey.lindqvist.art",
        "https://web.archive.org/cdx/search/cdx?url=twitter.com/caseylindq_fan/status/*",
        "https://archive.ph/?url=https%3A%2F%2Fnews.example%2Fcasey-lindqvist",
        "https://web.archive.org/search?query=lindqvist+casey+street",
        "https://web.archive.org/web/*/caseylindq_fan*",
        "https://ghostarchive.org/search?term=lindqvist",
    ]),
    "feeds": ([
        "https://rsshub.app/instagram/user/casey.lindqvist",
        "https://rsshub.app/twitter/user/caseylindq",
        "https://rsshub.app/tiktok/user/@casey.lindqvist",
        "https://rsshub.app/bsky/profile/caseylq.bsky.social",
        "https://www.reddit.com/search.rss?q=author%3Acasey_lq",
        "https://rsshub.app/soundcloud/tracks/caseylq",  # a site with no platform of its own, listed by link
        "https://sc.maid.zone/caseylq/first-demo",
        "https://rsshub.app/youtube/user/@caseylq",
        "https://rss-bridge.org/bridge01/?action=display&bridge=TwitterBridge&context=By+username&u=caseylindq",
        "https://openrss.org/x.com/caseylindq",
        "https://www.inoreader.com/feed/https%3A%2F%2Fbsky.app%2Fprofile%2Fcaseylq.bsky.social%2Frss",
    ], [
        "https://rsshub.app/instagram/user/casey.lindqvist2",
        "https://rsshub.app/twitter/user/caseylindq_fan",
        "https://rss-bridge.org/bridge01/?action=display&bridge=InstagramBridge&u=casey.lindqvist_",
        "https://openrss.org/news.example/casey-lindqvist",
        "https://sc.maid.zone/caseylq2",
    ]),
    "third-party stats and data APIs": ([
        "https://socialblade.com/tiktok/user/casey.lindqvist",
        "https://api.pullpush.io/reddit/search/comment/?author=casey_lq&size=100",
        "https://arctic-shift.photon-reddit.com/api/posts/search?author=casey_lq",
        "https://www.reveddit.com/y/casey_lq/",
        "https://www.tikwm.com/api/user/info?unique_id=casey.lindqvist",
        "https://exolyt.com/user/casey.lindqvist",
        "https://twitchtracker.com/caseylq_live/streams",  # Twitch stats, chat logs and viewers by channel
        "https://streamscharts.com/channels/caseylq_live",
        "https://logs.ivr.fi/channel/caseylq_live/user/someone",
        "https://hypeauditor.com/instagram/casey.lindqvist/",
        "https://www.notjustanalytics.com/analysis/casey.lindqvist",
        "https://foller.me/caseylindq",
        "https://search-new.pullpush.io/?type=submission&author=casey_lq",
        "https://snoopsnoo.com/u/casey_lq",
        "https://github-readme-stats.vercel.app/api?username=caseylq-dev&show_icons=true",
        "https://ghchart.rshah.org/caseylq-dev",
    ], [
        "https://socialblade.com/instagram/user/casey.lindqvist2",
        "https://api.pullpush.io/reddit/search/comment/?author=casey_lq2",
        "https://www.reveddit.com/y/casey_lq_fan/",
        "https://www.tikwm.com/api/user/info?unique_id=casey.lindqvist.official",
        "https://socialblade.com/",
        "https://twitchtracker.com/caseylq_live2",
        "https://twitchtracker.com/games/509658",
        "https://hypeauditor.com/instagram/casey.lindqvist.art/",
        "https://foller.me/caseylindq_fan",
        "https://snoopsnoo.com/u/casey_lq2",
        "https://github-readme-stats.vercel.app/api?username=caseylq-dev2",
    ]),
    "searches": ([
        "https://kagi.com/search?q=casey+lindqvist",
        "https://www.perplexity.ai/search/who-is-casey-lindqvist-abc123XYZ.d4",
        "https://searx.be/search?q=casey+lindqvist&categories=general",
        "https://www.instagram.com/api/v1/web/search/topsearch/?context=blended&query=casey%20lindqvist",
        "https://www.linkedin.com/pub/dir/Casey/Lindqvist",
        "https://www.linkedin.com/pub/dir/?firstName=Casey&lastName=Lindqvist",
        "https://account.venmo.com/search?q=Casey+Lindqvist",
        "https://www.google.com/search?q=%22Lindqvist%2C+Casey%22",  # surname first, as directories write it
    ], [
        "https://www.linkedin.com/pub/dir/Casey/Smith",
        "https://www.linkedin.com/pub/dir/Lindqvist/Casey",
        "https://www.linkedin.com/pub/dir/?firstName=Casey",
        "https://kagi.com/search?q=lindqvist+bakery+stockholm",
        "https://www.perplexity.ai/search/lindqvist-family-history-ab12",
        "https://you.com/search?q=casey+jones",
        "https://www.google.com/search?q=tinder.com",
        "https://www.google.com/search?q=lindqvist+casey+stockholm",
        "https://www.google.com/search?q=Lindqvist%2C+Carl",
        # An assistant is not decrypted for a question in its address: a person may be asking it for help.
        "https://chatgpt.com/?q=how+do+i+stop+checking+casey+lindqvist+instagram",
        "https://www.google.com/search?q=ebbw+vale%2C+lindqvist+close",
        "https://www.google.com/search?q=Lindqvist%2C+Casey+County+jobs",
        "https://www.google.com/search?q=Dale+Lindqvist%2C+Casey+films",
    ]),
}
REACH_CASES = [
    pytest.param(url, blocked, id=f"{behaviour}:{'block' if blocked else 'allow'}:{url[:80]}")
    for behaviour, (block, allow) in REACH.items()
    for blocked, urls in ((True, block), (False, allow))
    for url in urls
]


@pytest.fixture(scope="module")
def reach_policy() -> Policy:
    return Policy(parse_config(REACH_CONFIG), lists={"dating": ["tinder.com"]})


@pytest.mark.parametrize(("url", "blocked"), REACH_CASES)
def test_every_way_a_request_carries_the_person(reach_policy, url, blocked):
    decision = reach_policy.decide(url)
    assert decision.blocked is blocked, decision
    if blocked:
        assert (decision.reason, decision.person) == ("person", "J"), decision
    assert reach_policy.watches(parse(url).host) or not blocked, url


def test_a_blocked_platforms_link_out_is_decided_by_where_it_leads():
    """With whole social networks blocked, a link shim leading off the platform to a news page is not the
    platform; one leading to the person, or to another page of a blocked network, stays blocked."""
    policy = Policy(parse_config(REACH_CONFIG + "block: {social: true}\n"), lists={"social": [
        "facebook.com", "instagram.com", "reddit.com", "youtube.com", "linkedin.com", "threads.net", "x.com"]})
    for url in ("https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.nytimes.com%2F2025%2F01%2Fworld.html&h=AT0",
                "https://l.instagram.com/?u=https%3A%2F%2Fwww.etsy.com%2Flisting%2F123&e=AT1",
                "https://out.reddit.com/t3_abc?url=https%3A%2F%2Fwww.theguardian.com%2Fworld&token=x",
                "https://www.youtube.com/redirect?q=https%3A%2F%2Fgithub.com%2Fpython%2Fcpython&v=abc",
                "https://www.linkedin.com/redir/redirect?url=https%3A%2F%2Fwww.bbc.co.uk%2Fnews"):
        assert not policy.decide(url).blocked, url
    person = policy.decide("https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F")
    assert (person.reason, person.person) == ("person", "J")
    beside = policy.decide("https://www.facebook.com/l.php?u=https%3A%2F%2Fnews.example%2F"
                           "&next=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F")
    assert (beside.reason, beside.person) == ("person", "J")  # what else it carries is read too
    inside = policy.decide("https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.reddit.com%2Fr%2Fnews")
    assert (inside.reason, inside.category) == ("category", "social")
    for url in ("https://www.facebook.com/l.php", "https://l.facebook.com/", "https://www.youtube.com/redirect"):
        assert policy.decide(url).blocked, url  # no link to follow: the platform's own page


def test_wrapping_is_unwrapped_to_a_bound(reach_policy):
    url = "https://x.com/caseylindq"
    for _ in range(MAX_WRAPPING):
        url = f"https://x.com/i/flow/login?redirect_after_login={quote(url, safe='')}"
    assert reach_policy.decide(url).blocked
    deeper = f"https://x.com/i/flow/login?redirect_after_login={quote(url, safe='')}"
    assert not reach_policy.decide(deeper).blocked  # past the bound nothing more is read (and nothing loops)


def test_new_wrappers_and_engines_are_watched_but_no_broad_host(reach_policy):
    """Decryption stays limited to hosts some rule needs: the hosts of the new wrappers and engines, not their
    whole domain where it also serves mail, documents or newsletters."""
    for host in ("translate.google.co.uk", "www-instagram-com.cdn.ampproject.org", "cdn.syndication.twimg.com",
                 "rsshub.app", "unavatar.io", "kagi.com", "searx.be", "search.naver.com", "substack.com",
                 "abc.r.us-east-1.awstrack.me", "business.facebook.com", "feelinsonice-hrd.appspot.com"):
        assert reach_policy.watches(host), host
    for host in ("mail.google.co.uk", "docs.google.com", "pbs.twimg.com", "casey.substack.com", "mail.naver.com",
                 "appspot.com", "www.microsoft.com", "outlook.live.com", "news.example",
                 # an app's own hosts, a whole vendor's site, an assistant's conversations: never for a link
                 "statics.teams.cdn.office.net", "teams.microsoft.com", "us21.list-manage.com", "hide.me",
                 "chatgpt.com", "claude.ai", "copilot.microsoft.com"):
        assert not reach_policy.watches(host), host

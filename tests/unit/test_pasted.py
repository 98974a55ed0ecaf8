"""A profile entry that reaches nobody (a bare handle, a name, a mistyped link, one with a space) is refused with
what was probably meant, never taken for a page of a site that does not exist."""

from __future__ import annotations

import pytest

from agent.config import Config, ConfigError, parse_config
from agent.engine.identity import Identity
from agent.pasted import profile_identity


def refused(entry: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(f'people:\n  - alias: J\n    profiles:\n      - "{entry}"\n', "my.yaml")
    message = str(caught.value)
    assert message.startswith("my.yaml:4: people[0].profiles[0]: "), message
    return message.split(": ", 2)[2]


@pytest.mark.parametrize("entry, expected", [
    ("@jordan_rivers", "'@jordan_rivers' is not a link: which platform is @jordan_rivers on? Write the link of their "
                       "profile there, like https://x.com/jordan_rivers or https://www.instagram.com/jordan_rivers/"),
    ("jordan_rivers", "'jordan_rivers' is not a link: which platform is jordan_rivers on?"),
    ("jordan.rivers", "'jordan.rivers' is not a link: which platform is jordan.rivers on?"),
    ("Jordan Rivers", "'Jordan Rivers' is not a link; a name goes under names:, and here the link of their profile"),
    ("jordan@example.org", "'jordan@example.org' is an email address; it goes under emails:"),
    ("+44 7700 900123", "'+44 7700 900123' is a phone number; it goes under phones:"),
    ("htps//x.com/jordan_rivers",
     "'htps//x.com/jordan_rivers' is not a link nocontact can read; did you mean https://x.com/jordan_rivers?"),
    ("https//x.com/jordan_rivers", "did you mean https://x.com/jordan_rivers?"),
    ("https:/www.instagram.com/jordan_rivers/", "did you mean https://www.instagram.com/jordan_rivers/?"),
    ("hxxps://x.com/jordan_rivers", "did you mean https://x.com/jordan_rivers?"),
    ("https://x.com/jordan rivers", "'https://x.com/jordan rivers' has a space in it, and a link has none; copy the "
                                    "address from the address bar of their profile page"),
    ("https:// x.com/jordan_rivers", "has a space in it, and a link has none; did you mean https://x.com/jordan_rivers?"),
    ("https://twiter.com/jordan_rivers", "'https://twiter.com/jordan_rivers' is on twiter.com, which is not a site "
                                         "nocontact knows; did you mean https://twitter.com/jordan_rivers?"),
    ("https://www.instagarm.com/jordan_rivers/", "did you mean https://instagram.com/jordan_rivers/?"),
    ("instagram/jordan_rivers", "'instagram/jordan_rivers' names no site (a site's name is letters, digits and "
                                "dashes, and ends in .com, .org or the like); did you mean https://instagram.com/jordan_rivers?"),
    ("x,com/jordan_rivers", "did you mean https://x.com/jordan_rivers?"),
    ("https://x.con/jordan_rivers", "did you mean https://x.com/jordan_rivers?"),
    ("https://www.instagram.com/explore/", "https://www.instagram.com/explore/ is not a profile link"),
])
def test_an_entry_that_reaches_nobody_is_refused_with_a_suggestion(entry, expected):
    said = refused(entry)
    assert said.startswith(expected) or said.endswith(expected), said


@pytest.mark.parametrize("entry, identity", [
    ("https://x.com/jordan_rivers", Identity("x", "jordan_rivers")),
    ("x.com/jordan_rivers", Identity("x", "jordan_rivers")),  # the platform is known without https://
    ("https://www.facebook.com/profile.php?id=100098765432101", Identity("facebook", "id:100098765432101")),
    ("https://wa.me/447700900123", Identity("phone", "447700900123")),
    # any other real site: that page and what is under it
    ("https://flickr.com/photos/jordanr", Identity("web", "flickr.com/photos/jordanr")),
    ("https://gitlab.com/jordanr", Identity("web", "gitlab.com/jordanr")),  # two letters from github.com, and real
    ("https://www.reveddit.com/y/jordan_r/", Identity("web", "reveddit.com/y/jordan_r")),
    ("https://xx.com/jordanr", Identity("web", "xx.com/jordanr")),  # one letter from x.com, and real
    ("https://jordanrivers.photography/", Identity("web", "jordanrivers.photography")),
    ("https://bücher.de/jordan", Identity("web", "xn--bcher-kva.de/jordan")),
])
def test_a_link_that_reaches_someone_is_taken(entry, identity):
    assert profile_identity(entry) == identity
    assert parse_config(f"people:\n  - alias: J\n    profiles: ['{entry}']\n").people[0].identities == [identity]


def test_a_config_kept_from_before_still_reads():
    """The config in force is kept in the log; one that a file could hold before this check still loads from there."""
    kept = Config.model_validate({"people": [{"alias": "J", "profiles": ["jordan_rivers"]}]})
    assert kept.people[0].identities == [Identity("web", "jordan_rivers")]

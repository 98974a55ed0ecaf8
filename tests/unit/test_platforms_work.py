"""The tables of LinkedIn, GitHub and Gravatar (agent/engine/platforms/work.py).

A table row: a pasted profile link, the URL forms that must reach that identity, and the
look-alikes and unrelated pages that must not. A new platform gets its table here.
"""

from __future__ import annotations

from tests.unit.platform_tables import Recognised, Table, table_tests

TABLES: dict[str, Table] = {}

TABLES["linkedin"] = [
    (
        "https://www.linkedin.com/in/casey-lindqvist-4b2a1c/",
        [
            "https://linkedin.com/in/casey-lindqvist-4b2a1c",
            "https://www.linkedin.com/in/Casey-Lindqvist-4B2A1C/",
            "https://uk.linkedin.com/in/casey-lindqvist-4b2a1c",
            "https://de.linkedin.com/in/casey-lindqvist-4b2a1c?originalSubdomain=de",
            "https://m.linkedin.com/in/casey-lindqvist-4b2a1c",
            "https://www.linkedin.com/in/casey-lindqvist-4b2a1c/recent-activity/all/",
            "https://www.linkedin.com/in/casey-lindqvist-4b2a1c/details/experience/",
            "https://www.linkedin.com/in/casey-lindqvist-4b2a1c/overlay/contact-info/",
            "https://www.linkedin.com/mwlite/in/casey-lindqvist-4b2a1c",
            "https://www.linkedin.com/in/casey-lindqvist-4b2a1c?trk=public_profile",
            "https://www.linkedin.com/voyager/api/identity/profiles/casey-lindqvist-4b2a1c/profileView",
            "https://www.linkedin.com/voyager/api/identity/dash/profiles?q=memberIdentity"
            "&memberIdentity=casey-lindqvist-4b2a1c&decorationId=com.linkedin.voyager.dash.deco.identity.profile",
            "https://www.linkedin.com/voyager/api/graphql?includeWebMetadata=true"
            "&variables=(vanityName:casey-lindqvist-4b2a1c)&queryId=voyagerIdentityDashProfiles.abc123",
            "https://badges.linkedin.com/profile?locale=en_US&badgetype=VERTICAL&badgetheme=light&uid=123"
            "&version=v1&maxsize=medium&trk=profile-badge&vanityname=casey-lindqvist-4b2a1c",
            "https://www.linkedin.com/in/casey-lindqvist-4b2a1c/detail/contact-info/",
            "https://www.linkedin.com/in/casey-lindqvist-4b2a1c,",
            "https://www.linkedin.com/in/casey-lindqvist-4b2a1c).",
            "https://www.linkedin.com/in/casey-lindqvist-4b2a1c%22",
        ],
        [
            "https://www.linkedin.com/in/casey-lindqvist/",
            "https://www.linkedin.com/in/casey-lindqvist-4b2a1c2/",
            "https://www.linkedin.com/in/casey-lindqvist-4b2a1c-.",
            "https://www.linkedin.com/pub/dir/Casey/Lindqvist",
            "https://www.linkedin.com/in/casey-lindqvist-4b2a1/",
            "https://www.linkedin.com/company/casey-lindqvist-4b2a1c/",
            "https://www.linkedin.com/search/results/people/?keywords=casey%20lindqvist",
            "https://lnkd.in/eAbCdEfG",
            "https://www.linkedin.com/in/me/",
            "https://www.linkedin.com/feed/",
            "https://badges.linkedin.com/profile?badgetype=VERTICAL&vanityname=casey-lindqvist-4b2a1c2",
            "https://badges.linkedin.com/casey-lindqvist-4b2a1c",
        ],
    ),
    (
        "https://www.linkedin.com/in/%C3%A9lise-lindqvist/",
        [
            "https://www.linkedin.com/in/élise-lindqvist",
            "https://se.linkedin.com/in/%C3%89lise-Lindqvist/",
        ],
        ["https://www.linkedin.com/in/elise-lindqvist/"],
    ),
]

TABLES["github"] = [
    (
        "https://github.com/caseylindqvist",
        [
            "https://github.com/CaseyLindqvist",
            "https://www.github.com/caseylindqvist/",
            "https://github.com/caseylindqvist?tab=repositories",
            "https://github.com/caseylindqvist/dotfiles",
            "https://github.com/caseylindqvist/dotfiles/blob/main/README.md",
            "https://github.com/caseylindqvist.keys",
            "https://caseylindqvist.github.io",
            "https://caseylindqvist.github.io/blog/2024/",
            "https://CaseyLindqvist.github.io/",
            "https://api.github.com/users/caseylindqvist",
            "https://api.github.com/users/caseylindqvist/repos?per_page=100",
            "https://api.github.com/repos/caseylindqvist/dotfiles",
            "https://gist.github.com/caseylindqvist",
            "https://gist.github.com/caseylindqvist/0a1b2c3d4e5f",
            "https://raw.githubusercontent.com/caseylindqvist/dotfiles/main/.bashrc",
            "https://github.com/sponsors/caseylindqvist",
            "https://avatars.githubusercontent.com/caseylindqvist",
            "https://github.com/caseylindqvist.png?size=200",
            # punctuation stuck to a pasted link, with GitHub's own .keys and .png still read
            "https://github.com/caseylindqvist.",
            "https://github.com/caseylindqvist),",
            "https://github.com/caseylindqvist%22",
            "https://github.com/caseylindqvist.keys.",
        ],
        [
            "https://github.com/caseylindqvist2",
            "https://github.com/casey-lindqvist",
            "https://github.com/caseylindqvist-).",
            "https://github.com/search?q=caseylindqvist",
            "https://github.com/explore",
            "https://github.com/torvalds/linux",
            "https://caseylindqvist2.github.io/",
            "https://github.io/",
            "https://github.com/topics/caseylindqvist",
            "https://github.com/settings/profile",
            "https://avatars.githubusercontent.com/u/1234567",
            "https://avatars.githubusercontent.com/caseylindqvist2",
        ],
    ),
]

HASH = "8a50936a943362b324426f0362fb5bcd"  # an MD5 of an address, as avatars are asked for
TABLES["gravatar"] = [
    (
        "https://gravatar.com/caseylindqvist",
        [
            "https://en.gravatar.com/caseylindqvist",
            "https://www.gravatar.com/CaseyLindqvist",
            "https://gravatar.com/caseylindqvist.json",
            "https://api.gravatar.com/v3/profiles/caseylindqvist",
            "https://gravatar.com/profile/caseylindqvist",
        ],
        [
            "https://gravatar.com/caseylindqvist2",
            "https://gravatar.com/",
            "https://gravatar.com/connect/",
            "https://gravatar.com/avatar/" + HASH,
        ],
    ),
    (
        f"https://gravatar.com/{HASH}",
        [
            f"https://www.gravatar.com/avatar/{HASH}?s=200&d=mp",
            f"https://secure.gravatar.com/avatar/{HASH.upper()}.jpg",
            f"https://0.gravatar.com/avatar/{HASH}",
            f"https://en.gravatar.com/{HASH}.json",
            f"https://gravatar.com/{HASH}.vcf",
            f"https://api.gravatar.com/v3/profiles/{HASH}",
        ],
        [
            "https://gravatar.com/avatar/" + HASH[:-1] + "0",
            "https://gravatar.com/avatar/" + HASH[:31],
            "https://gravatar.com/avatar/",
        ],
    ),
]


RECOGNISED: Recognised = [
    ("https://uk.linkedin.com/in/Casey-Lindqvist-4b2a1c", "linkedin", "casey-lindqvist-4b2a1c"),
    ("https://github.com/CaseyLindqvist", "github", "caseylindqvist"),
    ("https://github.com/CaseyLindqvist).", "github", "caseylindqvist"),
    ("https://www.linkedin.com/in/casey-lindqvist-4b2a1c/,", "linkedin", "casey-lindqvist-4b2a1c"),
    ("https://caseylindqvist.github.io/", "github", "caseylindqvist"),
    ("https://en.gravatar.com/Casey.Lindqvist", "gravatar", "casey.lindqvist"),
    (f"https://gravatar.com/avatar/{HASH}.png", "gravatar", f"hash:{HASH}"),
]

test_table, test_recognise = table_tests(TABLES, RECOGNISED)

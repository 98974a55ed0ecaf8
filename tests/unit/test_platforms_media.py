"""The tables of YouTube, Twitch, Spotify and Strava (agent/engine/platforms/media.py).

A table row: a pasted profile link, the URL forms that must reach that identity, and the
look-alikes and unrelated pages that must not. A new platform gets its table here.
"""

from __future__ import annotations

from tests.unit.platform_tables import Recognised, Table, table_tests

TABLES: dict[str, Table] = {}

CHANNEL = "UCa1b2C3d4E5f6G7h8I9j0KL"
TABLES["youtube"] = [
    (
        "https://www.youtube.com/@CaseyLindqvist",
        [
            "https://www.youtube.com/@caseylindqvist",
            "https://youtube.com/@CaseyLindqvist/",
            "https://m.youtube.com/@CaseyLindqvist/videos",
            "https://www.youtube.com/@caseylindqvist/shorts",
            "https://www.youtube.com/@caseylindqvist/streams",
            "https://www.youtube.com/@caseylindqvist/playlists",
            "https://www.youtube.com/@caseylindqvist/community",
            "https://www.youtube.com/@caseylindqvist/about",
            "https://www.youtube.com/@caseylindqvist/featured",
            "https://www.youtube.com/@caseylindqvist/search?query=holiday",
            "https://music.youtube.com/@caseylindqvist",
            "https://www.youtube.com/%40CaseyLindqvist",
            "https://www.youtube.com/%2540CaseyLindqvist",
            # the same letters as a custom URL or a legacy username: the same channel
            "https://www.youtube.com/caseylindqvist",
            "https://www.youtube.com/CaseyLindqvist/videos",
            "https://www.youtube.com/c/caseylindqvist",
            "https://www.youtube.com/user/CaseyLindqvist",
            "https://m.youtube.com/user/caseylindqvist/videos",
            "https://www.youtube.com/feeds/videos.xml?user=caseylindqvist",
            "https://www.youtube.com/feeds/videos.xml?handle=caseylindqvist",
            "https://www.youtube.com/feeds/videos.xml?handle=%40CaseyLindqvist",
            "https://www.youtube.com/subscribe_embed?channel=caseylindqvist",
            # punctuation stuck to a pasted link
            "https://www.youtube.com/@caseylindqvist.",
            "https://www.youtube.com/@caseylindqvist),",
            "https://www.youtube.com/@caseylindqvist%22",
            "https://www.youtube.com/c/caseylindqvist;",
        ],
        [
            "https://www.youtube.com/@caseylindqvist2",
            "https://www.youtube.com/@thecaseylindqvist",
            "https://www.youtube.com/@caseylindqvis",
            "https://www.youtube.com/@caseylindqvistmusic",
            "https://www.youtube.com/@caseylindqvist_",
            "https://www.youtube.com/@caseylindqvist-",
            "https://www.youtube.com/caseylindqvistmusic",
            "https://www.youtube.com/c/caseylindqvistmusic",
            "https://www.youtube.com/user/caseylindqvistmusic",
            "https://www.youtube.com/feeds/videos.xml?user=caseylindqvist2",
            "https://www.youtube.com/feeds/videos.xml?handle=caseylindqvistmusic",
            "https://www.youtube.com/feeds/videos.xml?playlist_id=caseylindqvist",
            "https://www.youtube.com/user/",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://youtu.be/dQw4w9WgXcQ",
            "https://www.youtube.com/results?search_query=casey+lindqvist",
            "https://www.youtube.com/feed/subscriptions",
            "https://www.youtube.com/shorts/aBcDeFgHiJk",
            "https://studio.youtube.com/@caseylindqvist",
        ],
    ),
    (
        f"https://www.youtube.com/channel/{CHANNEL}",
        [
            f"https://www.youtube.com/channel/{CHANNEL}/videos",
            f"https://www.youtube.com/channel/{CHANNEL}/",
            f"https://m.youtube.com/channel/{CHANNEL}",
            f"https://music.youtube.com/channel/{CHANNEL}",
            f"https://WWW.YOUTUBE.COM/channel/{CHANNEL}",
            f"https://www.youtube.com/feeds/videos.xml?channel_id={CHANNEL}",
            f"https://www.youtube.com/youtubei/v1/browse?browseId={CHANNEL}",
            f"https://www.youtube.com/subscribe_embed?usegapi=1&channelid={CHANNEL}&layout=full",
            f"https://www.youtube.com/channel/{CHANNEL}).",
            f"https://www.youtube.com/channel/{CHANNEL}%22",
            # the channel's own uploads playlist: UU (UULF long videos, UUSH shorts) and the id after UC
            f"https://www.youtube.com/playlist?list=UU{CHANNEL[2:]}",
            f"https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=UULF{CHANNEL[2:]}&index=2",
            f"https://www.youtube.com/embed/videoseries?list=UUSH{CHANNEL[2:]}",
        ],
        [
            f"https://www.youtube.com/channel/{CHANNEL.upper()}",
            f"https://www.youtube.com/channel/{CHANNEL.lower()}",
            f"https://www.youtube.com/channel/{CHANNEL[:-1]}",
            f"https://www.youtube.com/channel/{CHANNEL}x",
            f"https://www.youtube.com/@{CHANNEL}",
            f"https://www.youtube.com/subscribe_embed?channelid={CHANNEL[:-1]}x",
            f"https://www.youtube.com/playlist?list=PL{CHANNEL[2:]}",  # a playlist anyone made
            f"https://www.youtube.com/playlist?list=UU{CHANNEL[2:-1]}x",
        ],
    ),
    (
        "https://www.youtube.com/c/CaseyLindqvistMusic",
        [
            "https://www.youtube.com/c/caseylindqvistmusic/videos",
            "https://www.youtube.com/CaseyLindqvistMusic",
            "https://m.youtube.com/caseylindqvistmusic/about",
            "https://www.youtube.com/user/caseylindqvistmusic",
            "https://www.youtube.com/@caseylindqvistmusic",
            "https://www.youtube.com/@CaseyLindqvistMusic/shorts",
        ],
        [
            "https://www.youtube.com/c/caseylindqvistmusic2",
            "https://www.youtube.com/@caseylindqvist",
            "https://www.youtube.com/c/caseylindqvist",
            "https://www.youtube.com/@caseylindqvistmusic.official",
        ],
    ),
    (
        "https://www.youtube.com/user/caseyl1985",
        [
            "https://www.youtube.com/user/CaseyL1985/videos",
            "https://www.youtube.com/caseyl1985",
            "https://www.youtube.com/feeds/videos.xml?user=caseyl1985",
            "https://www.youtube.com/subscribe_embed?usegapi=1&channel=caseyl1985",
            "https://www.youtube.com/c/caseyl1985",
            "https://www.youtube.com/@caseyl1985",
            "https://www.youtube.com/feeds/videos.xml?handle=caseyl1985",
        ],
        [
            "https://www.youtube.com/user/caseyl1986",
            "https://www.youtube.com/subscribe_embed?channel=caseyl1986",
            "https://www.youtube.com/@caseyl1985x",
            "https://www.youtube.com/@caseyl198",
        ],
    ),
]

TABLES["twitch"] = [
    (
        "https://www.twitch.tv/CaseyLindqvist",
        [
            "https://twitch.tv/caseylindqvist",
            "https://www.twitch.tv/caseylindqvist/",
            "https://WWW.TWITCH.TV./CaseyLindqvist",
            "https://m.twitch.tv/caseylindqvist",
            "https://m.twitch.tv/CaseyLindqvist/home",
            "https://www.twitch.tv/caseylindqvist/videos?filter=archives&sort=time",
            "https://www.twitch.tv/caseylindqvist/clips?filter=clips&range=7d",
            "https://www.twitch.tv/caseylindqvist/about",
            "https://www.twitch.tv/caseylindqvist/schedule",
            "https://www.twitch.tv/caseylindqvist/clip/AwkwardHelplessSalamanderSwiftRage-AbC123dEf",
            "https://www.twitch.tv/caseylindqvist/chat",
            "https://www.twitch.tv/popout/caseylindqvist/chat?popout=",
            "https://www.twitch.tv/popout/CaseyLindqvist/poll",
            "https://www.twitch.tv/popout/somestreamer/viewercard/caseylindqvist",
            "https://www.twitch.tv/popout/caseylindqvist/viewercard/someoneelse",  # someone's card in their chat
            "https://www.twitch.tv/embed/caseylindqvist/chat?parent=example.org",
            "https://www.twitch.tv/moderator/caseylindqvist",
            "https://www.twitch.tv/subs/caseylindqvist",
            "https://player.twitch.tv/?channel=caseylindqvist&parent=example.org",
            "https://player.twitch.tv/?channel=CaseyLindqvist&muted=true&parent=example.org",
            "https://embed.twitch.tv/?channel=caseylindqvist&layout=video&parent=example.org",
            "https://api.twitch.tv/helix/users?login=somestreamer&login=caseylindqvist",
            "https://api.twitch.tv/helix/streams?user_login=caseylindqvist",
            "https://dashboard.twitch.tv/u/caseylindqvist/stream-manager",
            # punctuation stuck to a pasted link
            "https://www.twitch.tv/caseylindqvist.",
            "https://www.twitch.tv/caseylindqvist),",
            "https://www.twitch.tv/caseylindqvist%22",
        ],
        [
            "https://www.twitch.tv/caseylindqvist2",
            "https://www.twitch.tv/caseylindqvis",
            "https://www.twitch.tv/thecaseylindqvist",
            "https://www.twitch.tv/caseylindqvist_",
            "https://www.twitch.tv/caseylindqvist_.",
            "https://www.twitch.tv/popout/caseylindqvist2/chat",
            "https://player.twitch.tv/?channel=caseylindqvist2&parent=example.org",
            "https://player.twitch.tv/?video=v1234567890&parent=example.org",
            "https://player.twitch.tv/?collection=abcDEF123&parent=example.org",
            "https://clips.twitch.tv/embed?clip=AwkwardHelplessSalamanderSwiftRage&parent=example.org",
            "https://clips.twitch.tv/AwkwardHelplessSalamanderSwiftRage",
            "https://www.twitch.tv/videos/1234567890",
            "https://www.twitch.tv/search?term=caseylindqvist",
            "https://www.twitch.tv/directory/category/just-chatting",
            "https://www.twitch.tv/team/caseylindqvist",
            "https://www.twitch.tv/settings/profile",
            "https://dashboard.twitch.tv/",
            "https://dashboard.twitch.tv/u/caseylindqvist2/home",
            "https://api.twitch.tv/helix/users?login=caseylindqvist2",
            "https://www.twitch.tv/",
            "https://www.tumblr.com/caseylindqvist",
            "https://static-cdn.jtvnw.net/jtv_user_pictures/caseylindqvist-profile_image-300x300.png",
        ],
    ),
    (
        "https://twitch.tv/abcd",
        [
            "https://www.twitch.tv/ABCD/about",
            "https://player.twitch.tv/?channel=abcd&parent=example.org",
        ],
        [
            "https://www.twitch.tv/abc",
            "https://www.twitch.tv/abcde",
            "https://www.twitch.tv/abcd_",
        ],
    ),
]

TABLES["spotify"] = [
    (
        "https://open.spotify.com/user/31l77y2al5lnn7mxfrmd4bpfhqke",
        [
            "https://open.spotify.com/user/31l77y2al5lnn7mxfrmd4bpfhqke?si=a1b2c3d4e5",
            "https://open.spotify.com/intl-de/user/31l77y2al5lnn7mxfrmd4bpfhqke",
            "https://play.spotify.com/user/31l77y2al5lnn7mxfrmd4bpfhqke",
            "https://api.spotify.com/v1/users/31l77y2al5lnn7mxfrmd4bpfhqke",
            "https://spclient.wg.spotify.com/user-profile-view/v3/profile/31l77y2al5lnn7mxfrmd4bpfhqke?playlist_limit=10",
            "https://open.spotify.com/user/31l77y2al5lnn7mxfrmd4bpfhqke),",
            "https://embed.spotify.com/?uri=spotify:user:31l77y2al5lnn7mxfrmd4bpfhqke",
        ],
        [
            "https://open.spotify.com/user/31L77Y2AL5LNN7MXFRMD4BPFHQKE",
            "https://open.spotify.com/user/31l77y2al5lnn7mxfrmd4bpfhqk",
            "https://open.spotify.com/artist/31l77y2al5lnn7mxfrmd4bpfhqke",
            "https://open.spotify.com/search/31l77y2al5lnn7mxfrmd4bpfhqke",
            "https://spotify.link/AbCdEfGh",
            "https://embed.spotify.com/?uri=spotify:user:31l77y2al5lnn7mxfrmd4bpfhqk",
            "https://embed.spotify.com/?uri=spotify:playlist:31l77y2al5lnn7mxfrmd4bpfhqke",
        ],
    ),
    (
        "https://open.spotify.com/artist/4Z8W4fKeB5YxbusRsdQVPb",
        [
            "https://open.spotify.com/artist/4Z8W4fKeB5YxbusRsdQVPb?si=xyz",
            "https://open.spotify.com/intl-fr/artist/4Z8W4fKeB5YxbusRsdQVPb",
            "https://open.spotify.com/embed/artist/4Z8W4fKeB5YxbusRsdQVPb",
            "https://api.spotify.com/v1/artists/4Z8W4fKeB5YxbusRsdQVPb/top-tracks?market=GB",
            "https://api.spotify.com/v1/artists?ids=0OdUWJ0sBjDrqHygGUXeCF,4Z8W4fKeB5YxbusRsdQVPb",
        ],
        [
            "https://open.spotify.com/artist/4z8w4fkeb5yxbusrsdqvpb",
            "https://open.spotify.com/artist/4Z8W4fKeB5YxbusRsdQVPc",
            "https://open.spotify.com/album/4Z8W4fKeB5YxbusRsdQVPb",
            "https://open.spotify.com/user/4Z8W4fKeB5YxbusRsdQVPb",
        ],
    ),
]

TABLES["strava"] = [
    (
        "https://www.strava.com/athletes/12345678",
        [
            "https://strava.com/athletes/12345678",
            "https://www.strava.com/athletes/12345678/",
            "https://www.strava.com/athletes/12345678/follows?type=following",
            "https://www.strava.com/athletes/12345678/posts",
            "https://www.strava.com/pros/12345678",
            "https://www.strava.com/api/v3/athletes/12345678/stats",
            "https://www.strava.com/athletes/12345678).",
        ],
        [
            "https://www.strava.com/athletes/123456789",
            "https://www.strava.com/athletes/1234567",
            "https://www.strava.com/athletes/search?text=casey",
            "https://www.strava.com/clubs/12345678",
            "https://www.strava.com/activities/12345678",
            "https://strava.app.link/AbCdEf",
        ],
    ),
]


RECOGNISED: Recognised = [
    ("https://www.youtube.com/@CaseyLindqvist", "youtube", "@caseylindqvist"),
    (f"https://www.youtube.com/channel/{CHANNEL}", "youtube", f"channel/{CHANNEL}"),
    ("https://www.youtube.com/c/CaseyLindqvistMusic", "youtube", "@caseylindqvistmusic"),
    ("https://www.youtube.com/user/CaseyL1985", "youtube", "@caseyl1985"),
    ("https://www.youtube.com/CaseyL1985", "youtube", "@caseyl1985"),
    ("https://www.youtube.com/@CaseyLindqvist).", "youtube", "@caseylindqvist"),
    ("https://open.spotify.com/artist/4Z8W4fKeB5YxbusRsdQVPb", "spotify", "artist:4Z8W4fKeB5YxbusRsdQVPb"),
    ("https://open.spotify.com/user/31l77y2al5lnn7mxfrmd4bpfhqke", "spotify", "user:31l77y2al5lnn7mxfrmd4bpfhqke"),
    ("https://www.strava.com/athletes/12345678", "strava", "12345678"),
    ("https://www.twitch.tv/CaseyLindqvist", "twitch", "caseylindqvist"),
    ("https://m.twitch.tv/CaseyLindqvist/videos", "twitch", "caseylindqvist"),
    ("https://www.twitch.tv/caseylindqvist/clip/AwkwardHelplessSalamanderSwiftRage", "twitch", "caseylindqvist"),
    ("https://www.twitch.tv/popout/caseylindqvist/chat?popout=", "twitch", "caseylindqvist"),
    ("https://player.twitch.tv/?channel=CaseyLindqvist&parent=example.org", "twitch", "caseylindqvist"),
    ("https://www.twitch.tv/caseylindqvist).", "twitch", "caseylindqvist"),
]

test_table, test_recognise = table_tests(TABLES, RECOGNISED)

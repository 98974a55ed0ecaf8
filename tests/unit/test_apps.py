"""Barred apps: presets recognise real launches on every OS, never look-alikes; config errors speak plainly;
browsers started around the proxy are noticed."""

import pytest

from agent.apps import (
    AppMatcher,
    AppRule,
    Process,
    bypass_flags,
    chromium_switches,
    command_text,
    is_child_process,
    load_presets,
    rules_from_config,
)

PRESETS = load_presets()
ALL_RULES = rules_from_config(sorted(PRESETS), PRESETS)
MATCHER = AppMatcher(ALL_RULES)

REQUIRED = [
    "whatsapp", "telegram", "signal", "discord", "messenger", "slack", "skype", "viber", "line", "wechat",
    "beeper", "ferdium", "franz", "rambox", "torbrowser",
]  # fmt: skip


def proc(name, exe="", *cmdline, pid=4242):
    return Process(pid=pid, name=name, exe=exe, cmdline=tuple(cmdline))


CHROME = "/opt/google/chrome/chrome"
EDGE_PROXY = r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge_proxy.exe"
CHROME_PROXY = r"C:\Program Files\Google\Chrome\Application\chrome_proxy.exe"
BRAVE = "/opt/brave.com/brave/brave"
STORE = r"C:\Program Files\WindowsApps"

MATCHES = [
    # --- WhatsApp
    (
        "whatsapp",
        proc(
            "WhatsApp.Root.exe", STORE + r"\5319275A.WhatsAppDesktop_2.2587.10.0_x64__cv1g1gvanyjgm\WhatsApp.Root.exe"
        ),
    ),
    ("whatsapp", proc("", STORE + r"\5319275A.WhatsAppDesktop_2.2587.10.0_x64__cv1g1gvanyjgm\WhatsApp.exe")),
    ("whatsapp", proc("WhatsApp.exe", r"C:\Users\anna\AppData\Local\WhatsApp\app-2.2402.5\WhatsApp.exe")),
    ("whatsapp", proc("WhatsApp", "/Applications/WhatsApp.app/Contents/MacOS/WhatsApp")),
    ("whatsapp", proc("whatsapp-for-li", "/snap/whatsapp-for-linux/72/usr/bin/whatsapp-for-linux")),  # comm cut
    ("whatsapp", proc("whatsapp-for-linux", "/usr/bin/whatsapp-for-linux")),
    ("whatsapp", proc("whatsapp-desktop-linux", "/home/anna/Apps/whatsapp-desktop-linux/whatsapp-desktop-linux")),
    (
        "whatsapp",
        proc(
            "flatpak",
            "/usr/bin/flatpak",
            "/usr/bin/flatpak",
            "run",
            "--branch=stable",
            "--arch=x86_64",
            "--command=whatsapp-desktop-linux",
            "io.github.mimbrero.WhatsAppDesktop",
        ),
    ),
    (
        "whatsapp",
        proc(
            "electron", "/var/lib/flatpak/app/io.github.mimbrero.WhatsAppDesktop/x86_64/stable/ab12/files/lib/electron"
        ),
    ),
    (
        "whatsapp",
        proc("chrome", CHROME, CHROME, "--profile-directory=Default", "--app-id=hnpfjngllnobngcgfapefoaidbinmjnm"),
    ),
    (
        "whatsapp",
        proc(
            "msedge_proxy.exe",
            EDGE_PROXY,
            EDGE_PROXY,
            "--profile-directory=Default",
            "--app-id=hnpfjngllnobngcgfapefoaidbinmjnm",
            "--app-url=https://web.whatsapp.com/",
        ),
    ),
    (
        "whatsapp",
        proc(
            "google-chrome",
            "/usr/bin/google-chrome",
            "google-chrome",
            '--app="https://web.whatsapp.com"',
            "--name=WhatsApp",
            "--class=Whatsapp",
        ),
    ),
    ("whatsapp", proc("brave", BRAVE, BRAVE, "--app=http://web.whatsapp.com")),
    ("whatsapp", proc("chromium", "/usr/lib/chromium/chromium", "chromium", "--app=web.whatsapp.com")),
    # --- Telegram
    ("telegram", proc("Telegram.exe", r"C:\Users\anna\AppData\Roaming\Telegram Desktop\Telegram.exe")),
    ("telegram", proc("", STORE + r"\TelegramMessengerLLP.TelegramDesktop_4.11.8.0_x64__t4vj0pshhgkwm\Telegram.exe")),
    ("telegram", proc("Telegram", "/Applications/Telegram.app/Contents/MacOS/Telegram")),
    ("telegram", proc("telegram-desktop", "/usr/bin/telegram-desktop")),
    ("telegram", proc("telegram-deskto", "/snap/telegram-desktop/6691/usr/bin/telegram-desktop")),  # comm cut
    ("telegram", proc("", "/var/lib/snapd/snap/telegram-desktop/6474/usr/bin/telegram-desktop")),
    ("telegram", proc("telegram-desktop", "/app/bin/telegram-desktop")),  # Flatpak, as the sandbox sees it
    ("telegram", proc("Telegram", "/home/anna/Downloads/Telegram/Telegram")),
    (
        "telegram",
        proc(
            "flatpak",
            "/usr/bin/flatpak",
            "/usr/bin/flatpak",
            "run",
            "--branch=stable",
            "--arch=x86_64",
            "--command=telegram-desktop",
            "--file-forwarding",
            "org.telegram.desktop",
            "@@u",
            "%U",
            "@@",
        ),
    ),
    ("telegram", proc("flatpak", "/usr/bin/flatpak", "flatpak", "--user", "run", "org.telegram.desktop//stable")),
    ("telegram", proc("chromium", "/usr/bin/chromium", "chromium", "--app-id=ibblmnobmgdmpoeblocemifbpglakpoi")),
    (
        "telegram",
        proc(
            "vivaldi-bin",
            "/opt/vivaldi/vivaldi-bin",
            "/opt/vivaldi/vivaldi",
            "--profile-directory=Default",
            "--app-id=majiogicmcnmdhhlgmkahaleckhjbmlk",
        ),
    ),
    ("telegram", proc("chrome", CHROME, CHROME, "--app=https://web.telegram.org/a/")),
    # --- Signal
    ("signal", proc("Signal.exe", r"C:\Users\anna\AppData\Local\Programs\signal-desktop\Signal.exe")),
    ("signal", proc("Signal", "/Applications/Signal.app/Contents/MacOS/Signal")),
    (
        "signal",
        proc(
            "Signal Helper (Renderer)",
            "/Applications/Signal.app/Contents/Frameworks/Signal Helper (Renderer).app/Contents/MacOS/Signal Helper (Renderer)",
            "Signal Helper (Renderer)",
            "--type=renderer",
            "--user-data-dir=/Users/anna/Library/Application Support/Signal",
        ),
    ),
    ("signal", proc("signal-desktop", "/opt/Signal/signal-desktop")),
    (
        "signal",
        proc(
            "signal-desktop",
            "/snap/signal-desktop/945/opt/Signal/signal-desktop",
            "/snap/signal-desktop/945/opt/Signal/signal-desktop",
            "--no-sandbox",
        ),
    ),
    (
        "signal",
        proc(
            "", "/home/anna/.local/share/flatpak/app/org.signal.Signal/x86_64/stable/0a1b/files/Signal/signal-desktop"
        ),
    ),
    ("signal", proc("flatpak", "/usr/bin/flatpak", "/usr/bin/flatpak", "run", "org.signal.Signal")),
    # --- Discord
    ("discord", proc("Discord.exe", r"C:\Users\anna\AppData\Local\Discord\app-1.0.9184\Discord.exe")),
    (
        "discord",
        proc(
            "Update.exe",
            r"C:\Users\anna\AppData\Local\Discord\Update.exe",
            r"C:\Users\anna\AppData\Local\Discord\Update.exe",
            "--processStart",
            "Discord.exe",
        ),
    ),
    ("discord", proc("Discord", "/usr/share/discord/Discord")),
    ("discord", proc("Discord", "/home/anna/.var/app/com.discordapp.Discord/config/discord/0.0.80/Discord")),
    (
        "discord",
        proc(
            "chrome_crashpad_handler",
            "/home/anna/.var/app/com.discordapp.Discord/config/discord/0.0.80/chrome_crashpad_handler",
        ),
    ),
    ("discord", proc("", "/snap/discord/228/usr/share/discord/Discord")),
    (
        "discord",
        proc(
            "Discord Helper (GPU)",
            "/Applications/Discord.app/Contents/Frameworks/Discord Helper (GPU).app/Contents/MacOS/Discord Helper (GPU)",
        ),
    ),
    ("discord", proc("DiscordCanary", "/opt/discord-canary/DiscordCanary")),
    ("discord", proc("vesktop", "/usr/bin/vesktop")),
    (
        "discord",
        proc(
            "msedge_proxy.exe",
            EDGE_PROXY,
            EDGE_PROXY,
            "--profile-directory=Default",
            "--app-id=magkoliahgffibhgfkmoealggombgknl",
            "--app-url=https://discord.com/channels/@me",
        ),
    ),
    ("discord", proc("brave", BRAVE, BRAVE, "--app-id=pliiebkcmokkgndfalahlmimanmbjlab")),
    # --- Messenger
    (
        "messenger",
        proc("Messenger.exe", STORE + r"\FACEBOOK.317180B0BB486_2420.1.0.0_x64__8xx8rvfyw5nnt\Messenger.exe"),
    ),
    ("messenger", proc("Messenger", "/Applications/Messenger.app/Contents/MacOS/Messenger")),
    ("messenger", proc("caprine", "/opt/Caprine/caprine")),
    ("messenger", proc("flatpak", "/usr/bin/flatpak", "flatpak", "run", "com.sindresorhus.Caprine")),
    ("messenger", proc("chrome", CHROME, CHROME, "--app-id=fmpeogjilmkgcolmjmaebdaebincaebh")),
    ("messenger", proc("chrome", CHROME, CHROME, "--app=https://www.messenger.com/t/100098765432101")),
    # --- Slack
    ("slack", proc("slack", "/usr/lib/slack/slack")),
    ("slack", proc("slack.exe", r"C:\Users\anna\AppData\Local\slack\app-4.41.105\slack.exe")),
    ("slack", proc("", STORE + r"\91750D7E.Slack_4.41.105.0_x64__8she8kybcnzg4\app\Slack.exe")),
    (
        "slack",
        proc(
            "Slack Helper", "/Applications/Slack.app/Contents/Frameworks/Slack Helper.app/Contents/MacOS/Slack Helper"
        ),
    ),
    ("slack", proc("slack", "/snap/slack/216/usr/lib/slack/slack")),
    ("slack", proc("chrome", CHROME, CHROME, "--app=https://myteam.slack.com/ssb/redirect")),
    ("slack", proc("chrome", CHROME, CHROME, "--app-id=deabakhnaapgoejhnggflphfcocnkeej")),
    # --- Skype
    ("skype", proc("skypeforlinux", "/snap/skype/382/usr/share/skypeforlinux/skypeforlinux")),
    ("skype", proc("Skype.exe", STORE + r"\Microsoft.SkypeApp_15.130.3204.0_x64__kzf8qxf38zg5c\Skype\Skype.exe")),
    ("skype", proc("Skype", "/Applications/Skype.app/Contents/MacOS/Skype")),
    # --- Viber
    ("viber", proc("Viber", "/opt/viber/Viber")),
    ("viber", proc("QtWebEngineProcess", "/opt/viber/QtWebEngineProcess")),
    ("viber", proc("Viber.exe", r"C:\Users\anna\AppData\Local\Viber\Viber.exe")),
    ("viber", proc("flatpak", "/usr/bin/flatpak", "flatpak", "run", "com.viber.Viber")),
    # --- LINE
    ("line", proc("LINE.exe", r"C:\Users\anna\AppData\Local\LINE\bin\current\LINE.exe")),
    ("line", proc("LineLauncher.exe", r"C:\Users\anna\AppData\Local\LINE\bin\LineLauncher.exe")),
    ("line", proc("LINE", "/Applications/LINE.app/Contents/MacOS/LINE")),
    ("line", proc("LINE.exe", STORE + r"\NAVER.LINEwin8_8.7.0.0_x64__8ptj331gd3tyt\LINE.exe")),
    # --- WeChat
    ("wechat", proc("Weixin.exe", r"C:\Program Files\Tencent\Weixin\Weixin.exe")),
    ("wechat", proc("WeChat.exe", r"C:\Program Files (x86)\Tencent\WeChat\WeChat.exe")),
    (
        "wechat",
        proc(
            "WeChatAppEx.exe",
            r"C:\Users\anna\AppData\Roaming\Tencent\WeChat\XPlugin\Plugins\RadiumWMPF\11581\extracted\runtime\WeChatAppEx.exe",
        ),
    ),
    ("wechat", proc("wechat", "/app/extra/wechat/wechat")),
    ("wechat", proc("WeChat", "/Applications/WeChat.app/Contents/MacOS/WeChat")),
    ("wechat", proc("chrome", CHROME, CHROME, "--app=https://wx.qq.com")),
    # --- Beeper, Ferdium, Franz, Rambox (multi-messengers)
    ("beeper", proc("Beeper Desktop", "/Applications/Beeper Desktop.app/Contents/MacOS/Beeper Desktop")),
    (
        "beeper",
        proc(
            "Beeper Helper",
            "/Applications/Beeper.app/Contents/Frameworks/Beeper Helper.app/Contents/MacOS/Beeper Helper",
        ),
    ),
    ("beeper", proc("Beeper.exe", r"C:\Users\anna\AppData\Local\Programs\beeper\Beeper.exe")),
    ("beeper", proc("chrome", CHROME, CHROME, "--app=https://chat.beeper.com")),
    ("ferdium", proc("ferdium", "/opt/Ferdium/ferdium")),
    ("ferdium", proc("Ferdium.exe", r"C:\Users\anna\AppData\Local\Programs\Ferdium\Ferdium.exe")),
    ("ferdium", proc("flatpak", "/usr/bin/flatpak", "flatpak", "run", "org.ferdium.Ferdium", "--hidden")),
    ("ferdium", proc("ferdium", "/home/anna/.var/app/org.ferdium.Ferdium/data/x/ferdium")),
    (
        "franz",
        proc(
            "Franz Helper", "/Applications/Franz.app/Contents/Frameworks/Franz Helper.app/Contents/MacOS/Franz Helper"
        ),
    ),
    ("franz", proc("franz", "/opt/Franz/franz")),
    ("franz", proc("flatpak", "/usr/bin/flatpak", "flatpak", "run", "com.meetfranz.Franz")),
    ("rambox", proc("rambox", "/opt/Rambox/rambox")),
    ("rambox", proc("Rambox.exe", r"C:\Users\anna\AppData\Local\Programs\rambox\Rambox.exe")),
    # --- Tor Browser: by where it lives (its firefox and tor are ordinary names)
    ("torbrowser", proc("firefox.exe", r"C:\Users\anna\Desktop\Tor Browser\Browser\firefox.exe")),
    ("torbrowser", proc("tor.exe", r"C:\Users\anna\Desktop\Tor Browser\Browser\TorBrowser\Tor\tor.exe")),
    ("torbrowser", proc("firefox", "/Applications/Tor Browser.app/Contents/MacOS/firefox")),
    ("torbrowser", proc("firefox.real", "/home/anna/Downloads/tor-browser/Browser/firefox.real")),
    ("torbrowser", proc("firefox", "/home/anna/tor-browser_en-US/Browser/firefox")),
    (
        "torbrowser",
        proc("firefox.real", "/home/anna/.local/share/torbrowser/tbb/x86_64/tor-browser/Browser/firefox.real"),
    ),
    (
        "torbrowser",
        proc(
            "firefox.real",
            "/home/anna/.var/app/org.torproject.torbrowser-launcher/data/torbrowser/tbb/x86_64/tor-browser/Browser/firefox.real",
        ),
    ),
    ("torbrowser", proc("torbrowser-launcher", "/usr/bin/python3", "/usr/bin/python3", "/usr/bin/torbrowser-launcher")),
    ("torbrowser", proc("start-tor-brows", "/usr/bin/bash", "bash", "./start-tor-browser")),  # comm cut
    ("torbrowser", proc("flatpak", "/usr/bin/flatpak", "flatpak", "run", "org.torproject.torbrowser-launcher")),
    # --- Element
    ("element", proc("element-desktop", "/opt/Element/element-desktop")),
    ("element", proc("Element.exe", r"C:\Users\anna\AppData\Local\element-desktop\app-1.11.85\Element.exe")),
    ("element", proc("flatpak", "/usr/bin/flatpak", "flatpak", "run", "im.riot.Riot")),
    ("element", proc("chrome", CHROME, CHROME, "--app=https://app.element.io/#/home")),
    # --- Instagram, Facebook, TikTok (Windows Store apps and installed web apps)
    ("instagram", proc("Instagram.exe", STORE + r"\Facebook.InstagramBeta_325.0.0.0_x64__8xx8rvfyw5nnt\Instagram.exe")),
    (
        "instagram",
        proc(
            "chrome.exe",
            r"C:\Program Files\Google\Chrome\Application\chrome.exe",
            CHROME_PROXY,
            "--profile-directory=Default",
            "--app-id=akpamiohjfcnimfljfndmaldlcfphjmp",
        ),
    ),
    ("instagram", proc("chrome", CHROME, CHROME, "--app=https://www.instagram.com/direct/inbox/")),
    ("facebook", proc("", STORE + r"\Facebook.Facebook_500.0.0.0_x64__8xx8rvfyw5nnt\Facebook.exe")),
    ("facebook", proc("chrome", CHROME, CHROME, "--app-id=kippjfofjhjlffjecoapiogbkgbpmgej")),
    ("tiktok", proc("TikTok.exe", STORE + r"\BytedancePte.Ltd.TikTok_1.0.0.0_x64__6yccndn6064se\TikTok.exe")),
    ("tiktok", proc("chrome", CHROME, CHROME, "--app=https://www.tiktok.com/foryou")),
]


@pytest.mark.parametrize("key, process", MATCHES, ids=[f"{k}-{p.name or p.exe[-30:]}" for k, p in MATCHES])
def test_presets_recognise_real_launches(key, process):
    rule = MATCHER.match(process)
    assert rule is not None and rule.key == key


LOOK_ALIKES = [
    proc("whatsapp-notes", "/home/anna/bin/whatsapp-notes", "/home/anna/bin/whatsapp-notes", "--export", "chats"),
    proc("telegraf", "/usr/bin/telegraf", "/usr/bin/telegraf", "--config", "/etc/telegraf/telegraf.conf"),
    proc("signald", "/usr/bin/signald", "/usr/bin/signald", "-d", "/var/lib/signald"),
    proc("java", "/usr/lib/jvm/java-17/bin/java", "java", "-jar", "/opt/signald/signald.jar"),
    proc("signal-cli", "/opt/signal-cli/bin/signal-cli", "signal-cli", "-a", "+447700900123", "receive"),
    proc(
        "slack-notifier-script", "/usr/bin/python3", "python3", "/home/anna/bin/slack-notifier-script", "--channel", "x"
    ),
    proc("python3", "/usr/bin/python3", "python3", "-m", "discord_bot"),
    proc("discord-bot", "/srv/discord-bot/discord-bot"),
    proc("line", "/usr/bin/line"),  # an old Unix command, not LINE
    proc("Messenger", "/usr/libexec/messenger"),  # only the Windows name and the Mac bundle are LINE... Messenger
    proc("firefox", "/usr/lib/firefox/firefox", "/usr/lib/firefox/firefox", "https://web.whatsapp.com/"),
    proc("tor", "/usr/bin/tor", "/usr/bin/tor", "-f", "/etc/tor/torrc"),
    proc("firefox.exe", r"C:\Program Files\Mozilla Firefox\firefox.exe"),
    # a browser tab, not an installed web app
    proc(
        "chrome",
        CHROME,
        CHROME,
        "--type=renderer",
        "--crashpad-handler-pid=812",
        "--lang=en-US",
        "--renderer-client-id=7",
        "--time-ticks-at-unix-epoch=-1700000000000000",
        "--launch-time-ticks=98765",
    ),
    proc("chrome", CHROME, CHROME, "https://web.whatsapp.com/"),
    proc("chrome", CHROME, CHROME, "--new-window", "https://discord.com/channels/@me"),
    proc("curl", "/usr/bin/curl", "curl", "https://web.telegram.org/"),
    proc("chrome", CHROME, CHROME, "--app=https://web.whatsapp.com.example.net/"),
    proc("chrome", CHROME, CHROME, "--app-id=hnpfjngllnobngcgfapefoaidbinmjnmx"),
    proc("chrome", CHROME, CHROME, "--app-id=aaaabbbbccccddddeeeeffffgggghhhh"),
    # Flatpak, but not running the app
    proc("flatpak", "/usr/bin/flatpak", "flatpak", "uninstall", "org.telegram.desktop"),
    proc("flatpak", "/usr/bin/flatpak", "flatpak", "info", "org.signal.Signal"),
    proc("flatpak", "/usr/bin/flatpak", "flatpak", "run", "org.telegram.desktop.Sdk"),
    proc("flatpak", "/usr/bin/flatpak", "flatpak", "run", "org.mozilla.firefox", "https://web.whatsapp.com/"),
    # folders that merely start like an app's
    proc("run", "/opt/viberx/run"),
    proc("tool", "/opt/signald/tool"),
    proc("Discordant", "/Applications/Discordant.app/Contents/MacOS/Discordant"),
    proc("WhatsApp Notes", "/Applications/WhatsApp Notes.app/Contents/MacOS/WhatsApp Notes"),
    proc("vim", "/usr/bin/vim", "vim", "/snap/discord/current/notes.txt"),
    proc("code", "/usr/share/code/code", "code", "/home/anna/src/slack-bot"),
    proc("", ""),
]


@pytest.mark.parametrize("process", LOOK_ALIKES, ids=[f"{p.name}-{i}" for i, p in enumerate(LOOK_ALIKES)])
def test_look_alikes_are_left_alone(process):
    assert MATCHER.match(process) is None


def test_every_required_preset_ships_with_a_label_and_something_to_match():
    for key in REQUIRED + ["element", "instagram", "facebook", "tiktok"]:
        preset = PRESETS[key]
        assert preset["label"]
        assert preset["names"] or preset["paths"] or preset["cmdline"]
    assert PRESETS["whatsapp"]["label"] == "WhatsApp"
    assert PRESETS["torbrowser"]["label"] == "Tor Browser"


def test_every_launch_case_above_covers_every_preset():
    assert {key for key, _ in MATCHES} == set(PRESETS)


def test_flatpak_and_snap_entries_expand_into_paths_and_command_lines():
    telegram = PRESETS["telegram"]
    assert "/snap/telegram-desktop/" in telegram["paths"]
    assert "/var/lib/flatpak/app/org.telegram.desktop/" in telegram["paths"]
    assert "~/.var/app/org.telegram.desktop/" in telegram["paths"]
    assert "flatpak run org.telegram.desktop" in telegram["cmdline"]


def test_helpers_match_their_app_and_say_they_are_helpers():
    helper = proc("slack", "/usr/lib/slack/slack", "/usr/lib/slack/slack", "--type=gpu-process", "--no-sandbox")
    main = proc("slack", "/usr/lib/slack/slack", "/usr/lib/slack/slack", "--enable-crashpad")
    assert MATCHER.match(helper).key == MATCHER.match(main).key == "slack"
    assert is_child_process(helper) and not is_child_process(main)


def test_only_the_chosen_apps_are_barred():
    matcher = AppMatcher(rules_from_config(["signal"], PRESETS))
    assert matcher.match(proc("Signal.exe")).key == "signal"
    assert matcher.match(proc("Telegram.exe")) is None
    assert AppMatcher([]).match(proc("Signal.exe", "/opt/Signal/signal-desktop", "x")) is None


def test_names_ignore_case_and_exe_but_an_exe_name_needs_its_exe():
    matcher = AppMatcher(rules_from_config(["line", {"name": "Chat", "match": {"names": ["MyChat"]}}], PRESETS))
    assert matcher.match(proc("MYCHAT.EXE")).key == "Chat"
    assert matcher.match(proc("mychat")).key == "Chat"
    assert matcher.match(proc("line.exe")).key == "line"
    assert matcher.match(proc("line")) is None


def test_an_earlier_entry_wins_a_shared_name():
    rules = rules_from_config(
        [{"name": "First", "match": {"names": ["chat"]}}, {"name": "Second", "match": {"names": ["chat"]}}], PRESETS
    )
    assert AppMatcher(rules).match(proc("chat")).key == "First"


def test_an_earlier_entry_wins_an_overlapping_web_app():
    messages = proc("chrome", CHROME, CHROME, "--app=https://www.facebook.com/messages/t/1")
    first = AppMatcher(rules_from_config(["messenger", "facebook"], PRESETS))
    assert first.match(messages).key == "messenger"
    assert AppMatcher(rules_from_config(["facebook", "messenger"], PRESETS)).match(messages).key == "facebook"
    assert first.match(proc("chrome", CHROME, CHROME, "--app=https://www.facebook.com/")).key == "facebook"


# ---------------------------------------------------------------- the command line in one form


@pytest.mark.parametrize(
    "cmdline, text",
    [
        (["Chrome", "--App=HTTP://Web.WhatsApp.com"], "chrome --app=https://web.whatsapp.com/"),
        (
            ["msedge_proxy.exe", "--app-url=https://discord.com/channels/@me"],
            "msedge_proxy.exe --app=https://discord.com/channels/@me",
        ),
        (["chrome", "--app=https://wx.qq.com?lang=en"], "chrome --app=https://wx.qq.com/?lang=en"),
        (["chrome", "--app='https://app.slack.com'"], "chrome --app=https://app.slack.com/"),
        (
            ["/usr/bin/flatpak", "--user", "run", "--branch=stable", "org.signal.Signal//stable", "%U"],
            "flatpak run org.signal.signal %u",
        ),
        (["/usr/bin/flatpak", "update", "org.signal.Signal"], "/usr/bin/flatpak update org.signal.signal"),
        (["", "  ", "x"], "x"),
    ],
)
def test_command_text(cmdline, text):
    assert command_text(cmdline) == text


# ---------------------------------------------------------------- config entries


def test_config_entries_of_every_form():
    rules = rules_from_config(
        [
            "whatsapp",
            {"preset": "Telegram", "action": "Close"},
            {
                "name": "My chat",
                "action": "suspend",
                "match": {
                    "names": ["MyChat.exe"],
                    "paths": [r"C:\Apps\MyChat\\"],
                    "cmdline": ["--app=https://chat.example.org/"],
                    "flatpak": ["org.example.MyChat"],
                },
            },
        ],
        PRESETS,
    )
    assert [(r.key, r.label, r.action) for r in rules] == [
        ("whatsapp", "WhatsApp", "notify"),
        ("telegram", "Telegram", "close"),
        ("My chat", "My chat", "suspend"),
    ]
    mine = rules[2]
    assert isinstance(mine, AppRule)
    assert mine.names == frozenset({"mychat.exe"})
    assert mine.paths[0] == "c:/apps/mychat/"
    assert "~/.var/app/org.example.mychat/" in mine.paths
    assert mine.cmdline == ("--app=https://chat.example.org/", "flatpak run org.example.mychat")
    matcher = AppMatcher(rules)
    assert matcher.match(proc("chat.exe", r"C:\Apps\MyChat\bin\chat.exe")).key == "My chat"
    assert matcher.match(proc("chat.exe", r"C:\Apps\MyChatter\bin\chat.exe")) is None


def test_a_tilde_means_any_home_folder():
    matcher = AppMatcher(rules_from_config([{"name": "Mine", "match": {"paths": ["~/Apps/MyChat/"]}}], PRESETS))
    for exe in [
        r"C:\Users\anna\Apps\MyChat\chat.exe",
        "/Users/anna/Apps/MyChat/chat",
        "/home/anna/Apps/MyChat/chat",
        "/var/home/anna/Apps/MyChat/chat",
        "/root/Apps/MyChat/chat",
    ]:
        assert matcher.match(proc("chat", exe)).key == "Mine", exe
    for exe in ["/opt/Apps/MyChat/chat", "/home/anna/src/Apps/MyChat/chat", "/home/Apps/MyChat/chat"]:
        assert matcher.match(proc("chat", exe)) is None, exe


def test_no_apps_section_bars_nothing():
    assert rules_from_config(None, PRESETS) == []
    assert rules_from_config([], PRESETS) == []


@pytest.mark.parametrize(
    "entries, words",
    [
        (["whatsap"], ["no built-in app called 'whatsap'", "Did you mean whatsapp?", "telegram", "torbrowser"]),
        (["icq"], ["no built-in app called 'icq'", "Built-in apps: beeper, discord", "name: and match:"]),
        ([{"preset": "signal", "action": "kill"}], ["unknown action 'kill'", "notify", "close", "suspend"]),
        (["signal", {"preset": "discord", "action": 3}], ["entry 2", "unknown action 3"]),
        ([{"name": "Mine"}], ["Mine", "nothing to recognise", "names", "paths", "cmdline"]),
        ([{"name": "Mine", "match": {"names": [], "paths": None}}], ["nothing to recognise"]),
        ([{"name": "Mine", "match": ["MyChat.exe"]}], ["match must be a mapping"]),
        ([{"name": "Mine", "match": {"exe": ["x"]}}], ["unknown key 'exe'", "names"]),
        ([{"name": "Mine", "match": {"names": ["/opt/mine/mine"]}}], ["looks like a path", "paths"]),
        ([{"name": "Mine", "match": {"names": [3]}}], ["list of non-empty texts"]),
        ([{"name": "Mine", "match": {"cmdline": ["-a"]}}], ["too short"]),
        ([{"name": "Mine", "match": {"flatpak": ["mine"]}}], ["not a Flatpak app id"]),
        ([{"name": "", "match": {"names": ["x"]}}], ["name must be"]),
        ([{"preset": "signal", "name": "Signal"}], ["not both"]),
        ([{"preset": "signal", "when": "always"}], ["unknown key 'when'"]),
        ([{"action": "close"}], ["expected preset:"]),
        ([["signal"]], ["expected an app name"]),
        (["signal", {"preset": "Signal", "action": "close"}], ["entry 2", "Signal is already entry 1"]),
        ("signal", ["expected a list"]),
    ],
)
def test_config_errors_say_what_to_do(entries, words):
    with pytest.raises(ValueError) as err:
        rules_from_config(entries, PRESETS)
    for word in words:
        assert word in str(err.value)


def test_a_broken_presets_file_is_named(tmp_path):
    bad = tmp_path / "apps.yaml"
    bad.write_text("ok:\n  label: Ok\n  names: [ok]\nbroken:\n  label: Broken\n  exes: [x]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"apps.yaml: preset 'broken': unknown key 'exes'"):
        load_presets(bad)
    bad.write_text("empty:\n  label: Empty\n", encoding="utf-8")
    with pytest.raises(ValueError, match="nothing to match"):
        load_presets(bad)
    bad.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected a mapping"):
        load_presets(bad)


# ---------------------------------------------------------------- browsers started around the proxy


def watches(host):
    return host == "instagram.com" or host.endswith(".instagram.com")


PROXY = "--proxy-server=127.0.0.1:8080"


def browser(*flags, name="chrome", exe=CHROME):
    return proc(name, exe, exe, *flags)


BYPASSES = [
    (browser("--no-proxy-server"), "started with --no-proxy-server"),
    (browser("--NO-PROXY-SERVER"), "started with --no-proxy-server"),
    (browser("-no-proxy-server"), "started with --no-proxy-server"),
    (browser(PROXY, "--no-proxy-server"), "started with --no-proxy-server"),
    (
        browser(
            "/no-proxy-server", name="msedge.exe", exe=r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe"
        ),
        "started with --no-proxy-server",
    ),
    (browser("--proxy-server=direct://"), "started with --proxy-server=direct://"),
    (browser("--proxy-server=DIRECT://"), "started with --proxy-server=direct://"),
    (browser('--proxy-server="direct://"'), "started with --proxy-server=direct://"),
    (browser("--proxy-server='direct://'"), "started with --proxy-server=direct://"),
    (browser("--proxy-server=http=direct://;https=direct://"), "started with --proxy-server=direct://"),
    (browser("--proxy-server=http=127.0.0.1:8080;https=direct://"), "started with --proxy-server=direct://"),
    (
        browser("--proxy-server=127.0.0.1:8080,direct://"),
        "started with a --proxy-server list that falls back to direct://",
    ),
    (browser("--proxy-server=127.0.0.1:8080", "--proxy-server=direct://"), "started with --proxy-server=direct://"),
    (browser("--proxy-auto-detect"), "started with --proxy-auto-detect, which looks for another proxy on the network"),
    (
        browser(PROXY, "--proxy-bypass-list=*.instagram.com"),
        "started with a proxy bypass list that covers instagram.com",
    ),
    (browser(PROXY, "--proxy-bypass-list=instagram.com"), "started with a proxy bypass list that covers instagram.com"),
    (
        browser(PROXY, "--proxy-bypass-list=.instagram.com"),
        "started with a proxy bypass list that covers instagram.com",
    ),
    (
        browser(PROXY, "--proxy-bypass-list=*instagram.com"),
        "started with a proxy bypass list that covers instagram.com",
    ),
    (
        browser(PROXY, "--proxy-bypass-list=<-loopback>;https://www.Instagram.com:443"),
        "started with a proxy bypass list that covers www.instagram.com",
    ),
    (browser(PROXY, '--proxy-bypass-list="localhost, *.example.org, *.cdninstagram.com"'), None),
    (
        browser(PROXY, "--proxy-bypass-list=localhost,*.example.org;i.instagram.com"),
        "started with a proxy bypass list that covers i.instagram.com",
    ),
    (browser(PROXY, "--proxy-bypass-list=*"), "started with a proxy bypass list that covers every site"),
    (
        browser("--proxy-server=socks5://127.0.0.1:1080", "--proxy-bypass-list=*"),
        "started with a proxy bypass list that covers every site",
    ),
    # browser names on every OS
    (
        browser(
            "--no-proxy-server",
            name="Google Chrome",
            exe="/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
        ),
        "started with --no-proxy-server",
    ),
    (
        browser("--no-proxy-server", name="brave-browser", exe="/usr/bin/brave-browser"),
        "started with --no-proxy-server",
    ),
    (
        browser("--no-proxy-server", name="vivaldi-bin", exe="/opt/vivaldi/vivaldi-bin"),
        "started with --no-proxy-server",
    ),
    (
        browser("--no-proxy-server", name="opera.exe", exe=r"C:\Users\anna\AppData\Local\Programs\Opera\opera.exe"),
        "started with --no-proxy-server",
    ),
    (
        browser(
            "--no-proxy-server",
            name="Microsoft Edge",
            exe="/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
        ),
        "started with --no-proxy-server",
    ),
]

NOT_BYPASSES = [
    browser(),
    browser(PROXY),
    browser("--proxy-server=http://127.0.0.1:8080"),
    browser("--proxy-server=socks5://10.0.0.1:1080"),  # another proxy: not judged
    browser("--proxy-server=ftp=direct://;127.0.0.1:8080"),
    browser("--proxy-server=direct"),  # a host called "direct", not the direct:// rule
    browser("--proxy-server=direct://", "--proxy-server=127.0.0.1:8080"),  # the last one counts
    browser("--proxy-pac-url=http://elsewhere.example/proxy.pac"),  # not judged
    browser("--proxy-pac-url=http://127.0.0.1:8080/proxy.pac", "--proxy-server=direct://"),  # the PAC wins
    browser(PROXY, "--proxy-bypass-list=<local>;<-loopback>;localhost;127.0.0.1;10.0.0.0/8;[::1]"),
    browser(PROXY, "--proxy-bypass-list=*.example.org,example.net"),
    browser(PROXY, "--proxy-bypass-list=insta*.com"),  # a wildcard in the middle is not judged
    browser("--proxy-bypass-list=*.instagram.com"),  # without --proxy-server Chromium ignores it
    browser("--", "--no-proxy-server"),  # after "--" it is no switch
    browser("https://example.org/--no-proxy-server"),
    browser("--type=renderer", "--no-proxy-server"),  # helpers repeat the parent's switches
    browser("--type=utility", "--utility-sub-type=network.mojom.NetworkService", "--proxy-server=direct://"),
    browser("--no-proxy-server", name="firefox", exe="/usr/lib/firefox/firefox"),  # Firefox has no such switch
    browser("--no-proxy-server", name="slack", exe="/usr/lib/slack/slack"),  # an app, not a browser
    browser("--no-proxy-server", name="python3", exe="/usr/bin/python3"),
]


@pytest.mark.parametrize("process, words", BYPASSES, ids=[" ".join(p.cmdline[1:])[:60] for p, _ in BYPASSES])
def test_bypass_flags_are_noticed(process, words):
    assert bypass_flags(process, watches) == words


@pytest.mark.parametrize(
    "process", NOT_BYPASSES, ids=[f"{p.name}:{' '.join(p.cmdline[1:])[:60]}" for p in NOT_BYPASSES]
)
def test_ordinary_launches_and_helpers_are_not_guard_events(process):
    assert bypass_flags(process, watches) is None


def test_a_failing_watches_callback_does_not_stop_the_check():
    def broken(host):
        raise RuntimeError(host)

    assert bypass_flags(browser(PROXY, "--proxy-bypass-list=instagram.com"), broken) is None
    assert bypass_flags(browser("--no-proxy-server"), broken) == "started with --no-proxy-server"


def test_chromium_switches_read_like_chromium():
    switches = chromium_switches([CHROME, "--Proxy-Server=a", "--proxy-server='b'", "url", "-x=1", "--", "--y"])
    assert switches == {"proxy-server": "b", "x": "1"}

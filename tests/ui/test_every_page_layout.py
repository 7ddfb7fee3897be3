"""Every page in every mode and orientation, and its voice (issue 19).

One app start on the real stack (tests/ui/scenarios_every_page.py): the attract page, the PIN
page, the menu, each page of a menu tile and of 更多服务 (history with each scheme tab, print
with its preview and its printed result), goodbye; then, from made-up states, the pages and
views a member meets only on some roads (reading, a card problem, change PIN, certification and
its result, the face check, PIN reset, loss cancel, admin, the pay page's steps: choose,
options, confirm, the bank-card PIN pad, QR, result). Each in Chinese, English and large text
(长辈模式) in both languages at 1280x800, 1920x1080 and portrait 1080x1920, checked from the
widget tree (tests/helpers/layout_check.py): no label larger than its box, no text under the
mode's minimum (22 sp; 30 sp in large text), touch targets at least 60 dp, 8 dp apart, none
overlapping, none off the window. Screenshots tests/artifacts/page-* feed docs/screens.md
(scripts/gallery.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.journey import alive, hall_stack, kiosk_config
from tests.helpers.paths import ARTIFACTS
from tests.helpers.scenario_run import need_display, run_driver

# the walk takes about a minute; waiting for the one card stack (vpcd lock) can take longer
pytestmark = [pytest.mark.ui, pytest.mark.pcsc, pytest.mark.timeout(900)]

# Findings the walk makes today that belong to a page's owner, each with its note (issue 19);
# a finding not listed here fails the test. Keys: (page, mode, kind) as layout_check words
# them. Empty: what the walk found (history's 'Unemployment' tab and the accounts tables'
# headers in English large-text portrait, print's result, the pay tiers' 代缴 lines, the
# large-text marks of face, PIN reset and loss cancel) was fixed in the pages.
KNOWN: dict[tuple[str, str, str], str] = {}


stack = hall_stack(members=12, seed=7)


def pick_member(svc) -> dict:
    """A showcase member with a valid card whose PIN was changed (no initial-PIN detour)."""
    from backoffice.seed.lives import INITIAL_PIN

    m = next(
        m
        for m in svc.report.showcases
        if m.card_file and m.card_status == "valid" and m.pin != INITIAL_PIN
    )
    keys = ("pin", "name", "member_no")
    return {"card_file": str(svc.cards_dir / m.card_file), **{k: getattr(m, k) for k in keys}}


@pytest.fixture(scope="module")
def walk(stack, tmp_path_factory):
    need_display()
    import json
    import time

    svc, cs, cups = stack
    alive(cs)
    tmp = tmp_path_factory.mktemp("every")
    cfg = kiosk_config(tmp, svc, cups)
    # voice on, into WAV files (no speakers in a test)
    path = Path(cfg)
    path.write_text(
        path.read_text(encoding="utf-8").replace("voice = false", "voice = true"), encoding="utf-8"
    )
    member = pick_member(svc)
    started = time.monotonic()
    data = run_driver(
        tmp,
        "tests.ui.scenarios_every_page:every_page",
        "--devices",
        env={
            "KIOSK_CONFIG": cfg,
            "KIOSK_VOICE_WAV_DIR": str(tmp / "voice"),
            "JOURNEY_CARD_RUN_DIR": str(cs.run_dir),
            "JOURNEY_MEMBER": json.dumps(member),
        },
        timeout=900,
    )
    data["member"] = member
    data["t_driver"] = time.monotonic() - started  # the app's run, for the walk's budget
    # kept beside the screenshots: what each page said and every problem found, for review
    (ARTIFACTS / "every-page.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return data


# The pages only made-up states reach (no road to them in one member's session), and the
# step each pay view must show (kiosk.payments.wizard.PayStep) for its check to mean anything.
MADE_UP_PAGES = {
    "reading",
    "card_problem",
    "change_pin",
    "certify",
    "face",
    "pin_reset",
    "loss_cancel",
    "admin",
}
PAY_STEPS = {
    "pay_choose": "dues",
    "pay_options": "options",
    "pay_confirm": "quote",
    "pay_bank_pin": "bank_pin",
    "pay_qr": "qr",
    "pay_result": "result",
}


def test_every_page_was_walked(walk):
    pages, views = set(walk["pages"]), set(walk["views"])
    assert {"attract", "pin", "menu", "goodbye"} <= pages
    assert set(walk["menu_pages"]) <= pages
    assert set(walk.get("service_pages", [])) <= pages
    # the member's menu shows at least the records, print, pay and card services
    assert {"insurance", "history", "accounts", "print", "pay", "card_services"} <= pages
    assert pages >= MADE_UP_PAGES
    # every value of kiosk.session.machine.Page a member can see (not the demo panel's)
    from kiosk.session.machine import Page

    assert {p.value for p in Page} <= pages
    # inner views: history's other scheme tabs, print's preview and result, the pay steps
    tabs = {f"history_{s}" for s in walk["history_tabs"][1:]}
    assert {"print_preview", "print_result", "certify_result", *PAY_STEPS} | tabs <= views
    assert walk["print_result"] == "ok"
    assert walk["pay_steps"] == PAY_STEPS
    # a page in four modes at 1280x800 and zh in portrait; a view in zh and en + large
    assert len(walk["shots"]) == len(walk["pages"]) * 5 + len(walk["views"]) * 2
    # four modes x three windows each
    assert walk["views_checked"] == (len(walk["pages"]) + len(walk["views"])) * 12


def _found(walk) -> dict[str, list[str]]:
    return {where: p for where, p in walk["problems"].items() if p}


def test_no_label_overflows_and_no_target_overlaps(walk):
    unexpected = {}
    for where, problems in _found(walk).items():
        name, mode, _size = where.split("|")
        rest = [p for p in problems if (name, mode, p.split(":")[0]) not in KNOWN]
        if rest:
            unexpected[where] = rest
    assert unexpected == {}, "\n".join(f"{w}: {p}" for w, p in unexpected.items())


def _prompt(seen) -> str:
    """kiosk/locale/voice.toml voice.page: e.g. "打印权益记录。您可以点击：预览"."""
    action = " ".join(seen["action"].split())
    return f"{seen['title']}。您可以点击：{action}" if action else seen["title"]


def test_each_page_says_its_title_when_it_opens(walk):
    opened = walk["opened"]
    assert set(walk["menu_pages"]) <= set(opened)
    for name, seen in opened.items():
        assert seen["title"], f"{name}: no title to read"
        said = [text for lang, text in seen["said"] if lang == "zh"]
        # read as the page opens (its main action too if it was there by then: a page still
        # loading its data is read by its title)
        assert any(t.startswith(seen["title"]) for t in said), (name, said)


def test_the_speaker_button_reads_the_title_and_main_action_again(walk):
    assert walk.get("no_speaker", []) == []
    assert set(walk["speaker"]) == set(walk["menu_pages"]) - {"services"}
    for name, (lang, text) in walk["speaker"].items():
        assert lang == "zh" and text == _prompt(walk["opened"][name]), (name, text)
    # pages with an action say it: the print page's 预览 at least
    assert walk["opened"]["print"]["action"]
    # the voice runs off the UI thread: reading a page's words never held a frame 50 ms
    assert not [c for c in walk["slow_callbacks"] if c[1].startswith("page_voice")]
    assert walk["layout_loops"] == 0

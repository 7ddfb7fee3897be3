"""The pay page names the months only the counter can settle (issue 18), and a quote refused
for such a month shows the back office's own words, on the real stack: pcscd + the card
emulator, the back office over HTTP, the real app.

The seeded "30+ years ... arrears" showcase owes some months of earlier years and this year's
unpaid months. The back office runs on the default policy with `back_payment_months = 0`
("none across years": docs/rules.md), so every arrear of an earlier year is counter-only while
this year's months stay payable, whatever day the test runs."""

from __future__ import annotations

import itertools
import json

import pytest

from backoffice.policy import DEFAULT_POLICY
from kiosk.domain import Period
from tests.helpers.journey import alive, hall, kiosk_config

pytestmark = [pytest.mark.ui, pytest.mark.pcsc]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, card_lab):
    work = tmp_path_factory.mktemp("pay-counter")
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    assert "\nback_payment_months = 60\n" in text
    policy = work / "policy.toml"
    policy.write_text(
        text.replace("\nback_payment_months = 60\n", "\nback_payment_months = 0\n"),
        encoding="utf-8",
    )
    cards = work / "cards"
    cards.mkdir()
    with hall(cards, members=8, seed=7, policy_file=str(policy)) as (svc, cups):
        yield svc, card_lab, cups


def runs(months: list[str]) -> list[tuple[str, str, int]]:
    """Consecutive months collapsed (written here apart from the kiosk's own month_runs)."""
    out: list[list[Period]] = []
    for p in sorted(Period.parse(m) for m in months):
        if out and out[-1][-1].next() == p:
            out[-1].append(p)
        else:
            out.append([p])
    return [(str(r[0]), str(r[-1]), len(r)) for r in out]


def test_the_pay_page_names_the_months_only_the_counter_can_settle(stack, run_scenario, tmp_path):
    from PIL import Image, ImageStat

    svc, cs, cups = stack
    m = next(m for m in svc.report.showcases if m.card_status == "valid" and "arrears" in m.note)
    member = {
        "card_file": str(svc.cards_dir / m.card_file),
        "pin": m.pin,
        "name": m.name,
        "member_no": m.member_no,
    }
    alive(cs)
    seen = run_scenario(
        "tests.ui.scenarios_pay:pay_counter_only",
        "--devices",
        timeout=200,
        env={
            "KIOSK_CONFIG": kiosk_config(tmp_path, svc, cups),
            "JOURNEY_CARD_RUN_DIR": str(cs.run_dir),
            "JOURNEY_MEMBER": json.dumps(member),
        },
    )
    assert seen["errors"] == {}
    old = seen["counter_only"].get("pension")
    assert old, f"the showcase has no earlier-year arrears: {seen['counter_only']}"
    # Window 0: every counter-only month is of an earlier year; this year's months are payable.
    assert "pension" in seen["payable"]
    assert all(Period.parse(x).year < seen["due_year"]["pension"] for x in old)
    # Under the payable schemes, one line per scheme with its months as runs.
    assert seen["title_zh"] == "请选择缴费险种" and seen["buttons_zh"]
    assert any("养老" in b for b in seen["buttons_zh"])
    zh = seen["counter_text_zh"].splitlines()
    en = seen["counter_text_en"].splitlines()
    assert len(zh) == len(en) == len(seen["counter_only"])
    spans_zh = "、".join(f if n == 1 else f"{f} 至 {last}" for f, last, n in runs(old))
    spans_en = ", ".join(f if n == 1 else f"{f} to {last}" for f, last, n in runs(old))
    assert f"养老保险：{spans_zh} 共 {len(old)} 个月已超过补缴期限，请到柜台办理" in zh
    if len(old) > 1:
        assert (
            f"Pension: {spans_en}, {len(old)} months in all, are beyond the back-payment period;"
            " please go to the counter"
        ) in en
    assert seen["counter_visible_zh"] and seen["counter_visible_en"]
    for lang in ("zh", "en"):
        # The buttons are stacked, none over another, and the counter's line is under them.
        boxes = sorted(seen[f"buttons_yx_{lang}"])
        assert all(top - bottom >= 60 for bottom, top in boxes)  # dp: a touch target
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(boxes))
        assert seen[f"counter_top_{lang}"] <= boxes[0][0]
    # A quote naming a counter-only month: the back office's own words, no figures, no paying.
    assert seen["quote_error"] == "payments.choice_refused"
    assert seen["refusal_text"] == f"{seen['refused_month']} 超过补缴期限，请到柜台办理"
    assert seen["refusal_total"] == "" and seen["refusal_pay_disabled"]
    for key in ("shot_zh", "shot_en", "shot_refused"):
        img = Image.open(seen[key]).convert("RGB")
        assert max(ImageStat.Stat(img).stddev) > 10, f"{seen[key]} is blank"
    assert seen["blocking_on_main"] == [], seen["blocking_on_main"]

"""The member's pages as pictures (issue 19): one app start, no devices
(tests/ui/scenarios_pictures.py): menu tiles with icons, my insurance as cards with a status
stripe and a ring to the 15-year minimum, the pension account's balance by year as a chart,
the estimate's two parts stacked, and empty states as an icon and a sentence; in zh, en with
large text and zh with large text, nothing off the window, under 60 dp, overlapping or larger
than its box."""

from __future__ import annotations

import itertools

import pytest

from screens import theme
from tests.helpers.scenario_run import module_scenario

pytestmark = [pytest.mark.ui]

MODES = ("zh", "en-large", "zh-large")


# one app start for every check of this file
seen = module_scenario("tests.ui.scenarios_pictures:views", timeout=240)


def test_every_page_fits_in_both_languages_and_large_text(seen):
    assert seen["problems"] == {}, seen["problems"]


def test_every_menu_tile_shows_its_icon(seen):
    for mode in MODES:
        icons = seen[f"tile_icons_{mode}"]
        assert all(icons.values()), icons
        assert len(set(icons.values())) == len(icons)  # each service its own picture
        assert seen[f"tile_icon_drawn_{mode}"]


def test_insurance_is_a_card_per_scheme_with_status_colour_and_a_ring(seen):
    for mode in MODES:
        assert seen[f"cards_{mode}"] == 5
        # only the pension has the 15-year minimum: 120 of 180 months = 66.7 % -> "66%"
        assert seen[f"rings_{mode}"] == [[120, 180, "66%"]]
        stripes = seen[f"stripes_{mode}"]
        # active, active, suspended, ended, active (the made-up enrolments' order)
        ok, warn, ended = list(theme.OK), list(theme.WARNING), list(theme.TEXT_MUTED_ON_SURFACE)
        assert stripes == [ok, ok, warn, ended, ok]


def test_insurance_cards_are_filled_not_built_on_the_main_thread(seen):
    # built once while the kiosk idles, then only filled: no slow callback on the page (its
    # build took 52-72 ms of one callback; the journeys' guard is 50 ms)
    assert [c for c in seen["slow_callbacks"] if "@insurance" in c[1]] == []


def test_card_services_entries_are_tiles_with_icons(seen):
    for mode in MODES:
        assert seen[f"card_tiles_{mode}"] == [["pin", True, True], ["card_loss", True, True]]


def test_menu_says_the_name_once_in_the_header(seen):
    for mode in MODES:
        greeting, header_name = seen[f"greeting_{mode}"]
        assert header_name == "*小五"  # 王小五 masked
        assert "小五" not in greeting and greeting
    assert seen["greeting_zh"][0] == "您好，请选择要办理的业务"


def test_accounts_chart_the_pension_balance_by_year(seen):
    for mode in MODES:
        chart = seen[f"chart_{mode}"]
        assert [c[0] for c in chart] == [str(y) for y in range(2016, 2026)]
        # 4,000.00 a year plus 2 % on the opening balance: 2016 4,000.00; 2017 4,000 + 80.00
        # = 8,080.00; 2018 8,080 x 1.02 + 4,000 = 12,241.60; the bars grow every year
        assert chart[0][1] == pytest.approx(4000.00)
        assert chart[1][1] == pytest.approx(8080.00)
        assert chart[2][1] == pytest.approx(12241.60)
        assert all(b[1] > a[1] for a, b in itertools.pairwise(chart))
        year, amount = seen[f"chart_selected_{mode}"]
        assert year == "2025" and amount.startswith("￥")


def test_estimate_stacks_its_two_parts_with_sentences(seen):
    # basic 1,980.00 + account 575.54 = 2,555.54 a month; the account's share 575.54 / 2,555.54
    # = 0.2252...
    for mode in MODES:
        assert seen[f"estimate_share_{mode}"] == pytest.approx(0.2252, abs=1e-4)
        basic, account, total = seen[f"estimate_legend_{mode}"]
        assert "1,980.00" in basic and "575.54" in account and "2,555.54" in total
    assert "继续缴费直到退休" in seen["assumptions_zh"]
    assert "You keep paying" in seen["assumptions_en-large"]
    for mode in MODES:
        assert ": yes" not in seen[f"assumptions_{mode}"]
        assert "：yes" not in seen[f"assumptions_{mode}"]


def test_empty_pages_show_an_icon_and_a_sentence(seen):
    for mode in MODES:
        for page in ("history-empty", "benefits-empty", "insurance-empty", "accounts-empty"):
            icon, text, drawn = seen[f"empty_{page}_{mode}"]
            assert icon == "empty" and text and drawn, (page, mode)
    assert seen["empty_benefits-empty_zh"][1] == "暂无待遇领取记录"
    assert seen["empty_history-empty_en-large"][1] == "No contributions on record"


def test_history_year_without_the_scheme_shows_an_empty_state(seen):
    # pension paid in 2024 only, medical in 2025 only: the page opens on 2025 (the latest
    # year) and pension (the first scheme), a year with none of its months
    for mode in MODES:
        table_shown, icon, text, drawn, year, chart = seen[f"gap_{mode}"]
        assert not table_shown, mode  # no empty table
        assert icon == "empty" and text and drawn, mode
        assert "2025" in year
        # the chart stays to pick a year: pension's 12 months in 2024, none in 2025
        assert chart == [["2024", 12], ["2025", 0]]
        # the medical tab: 2025's twelve months in the table, the sentence gone
        assert seen[f"gap_medical_{mode}"] == [True, 12, False], mode
    assert seen["gap_zh"][2] == "2025 年没有养老保险的缴费记录"
    assert seen["gap_en-large"][2] == "No pension contributions in 2025"


def test_estimate_below_the_minimum_shows_no_bar(seen):
    # 100 months at retirement: 180 - 100 = 80 months short, no monthly amount and no bar
    for mode in MODES:
        eligible, headline, total, bar_height = seen[f"short_{mode}"]
        assert not eligible and total == "" and bar_height == 0
        assert "80" in headline
    assert "￥" not in seen["short_zh"][1]


def test_history_keeps_its_table_and_chart(seen):
    for mode in MODES:
        rows, chart, icon_drawn, blank_cells = seen[f"history_{mode}"]
        assert blank_cells == []
        # the latest year (2025) of the pension: twelve months; the chart 12 months a year
        assert rows == 12
        assert chart == [["2024", 12], ["2025", 12]]
        assert icon_drawn


def test_certified_result_shows_mark_next_step_and_slip(seen):
    mark, result, next_step, slip, slip_icon = seen["certified_zh"]
    assert (mark, result) == ("✓", "认证成功")
    assert next_step == "下次认证请于 2027-12-03 前完成" and slip == "请取走认证回执" and slip_icon
    assert seen["certified_en-large"][1] != "认证成功"

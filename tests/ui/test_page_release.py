"""Pages a member rarely opens are built on their visit and released when the session ends, so
that a kiosk running for weeks holds the pages of nearly every session and one session's
others (issue 19's peak RSS), with nothing left pointing into a released page: not the app's
language, not Metrics' text size, not a kv rule. One app start, no devices
(tests/ui/scenarios_release.py)."""

from __future__ import annotations

import pytest

from tests.helpers.scenario_run import module_scenario

pytestmark = [pytest.mark.ui]

seen = module_scenario("tests.ui.scenarios_release:release", timeout=300)


def test_only_the_pages_of_nearly_every_session_are_built_at_start(seen):
    assert "error" not in seen, seen.get("error")
    assert seen["built_at_start"] == seen["prebuilt"]
    assert "menu" in seen["prebuilt"] and "estimate" in seen["rare"]
    assert len(seen["rare"]) >= 10


def test_a_rare_pages_rules_are_read_at_its_first_visit(seen):
    """A page built on a visit has its kv file read then, once: ~1.5 MB of rules the kiosk
    held from start-up for pages most members never open."""
    at_start, after = set(seen["rules_at_start"]), set(seen["rules_after_visits"])
    assert {f"{name}.kv" for name in seen["prebuilt"]} <= at_start
    assert not {f"{name}.kv" for name in seen["rare"]} & at_start
    assert {f"{name}.kv" for name in seen["rare"]} <= after
    # read once: two sessions visited every page, and Kivy lists a file each time it reads it
    assert len(seen["rules_after_visits"]) == len(after)


def test_a_rare_page_is_built_on_its_visit_and_shown(seen):
    for name, page in seen["pages"].items():
        for rounds in (0, 1):
            assert page[f"current{rounds}"], (name, rounds)
            assert page[f"title{rounds}"], (name, rounds, "an empty title: the page was not built")


def test_the_session_end_lets_every_rare_page_go(seen):
    for rounds in (0, 1):
        assert seen[f"left_built{rounds}"] == [], rounds
        # collected: nothing outside the page holds it
        assert seen[f"alive{rounds}"] == [], rounds
        # and the bindings it made to the app and Metrics are gone with it
        assert seen[f"observers{rounds}"] == seen["observers_before"], rounds
    assert seen["released"] == 2 * len(seen["rare"])


def test_a_page_not_laid_out_measures_no_title(seen):
    measured, size = seen["fit_unplaced"]
    assert measured == [] and size == 0
    measured, size, title = seen["fit_placed"]
    assert measured == [title] and size == title  # fits at title size: one measure, no other


def test_no_full_collection_runs_while_a_member_opens_pages(seen):
    """screens/collector.py: the collector's full runs wait for the attract screen; left to
    itself it ran one in the frame that built a page (8-43 ms more)."""
    assert seen["full_runs_while_opening"] == []


def test_the_idle_full_run_waits_for_the_attract_screen_or_goodbye(seen):
    assert seen["idle_runs"] == {"menu": 0, "goodbye": 1, "attract": 1}


def test_llvms_loading_code_is_given_back_once_the_shaders_are_compiled(seen):
    """Software GL loads libLLVM with the window; its static constructors leave ~40 MB of its
    code resident that nothing runs again after the warm-up (screens/code_pages.py). Given
    back at the first frame and after the warm-up, and every page still draws (above)."""
    assert seen["llvm_mapped"], "llvmpipe under Xvfb maps libLLVM: the test sees none"
    assert seen["code_released_kb"] > 20_000  # tens of MB, not a page or two
    assert seen["llvm_resident_kb_at_start"] < 8_000


words = module_scenario("tests.ui.scenarios_release:fixed_words", timeout=240)


def test_a_pages_fixed_words_are_rasterised_before_a_member_opens_it(words):
    """Kivy fills a text's texture when it is first drawn: the menu's tile labels, built at
    start-up, were rasterised in the frame that showed the menu to the first member, and again
    after every session that ended in another language (screens/app.py _fill_texts)."""
    assert "error" not in words, words.get("error")
    assert len(words["menu_words"]) >= 9  # the tiles, back, exit, read aloud
    for session in (1, 2):
        shown = set(words[f"menu_frame{session}"])
        assert not shown & set(words["menu_words"]), (session, shown)


def test_a_charts_years_are_rasterised_before_a_member_opens_it(words):
    """The accounts page's chart: ten years of balances, each year's label drawn under its bar
    (ten years fit: the whole year). The years are no one's: kept from start-up on. Its table
    lists the same years in its cells, a member's figures rendered with them."""
    assert len(words["years"]) == 10
    for session in (1, 2):
        shown = words[f"accounts_frame{session}"]
        # the table's visible years: rendered with the member's figures in that frame
        assert {f"{y} [cell]" for y in words["years"]} & set(shown), shown
        assert not set(shown) & set(words["years"]), (session, shown)  # the chart's: ready

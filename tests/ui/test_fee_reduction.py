"""Fee reductions (代缴, issue 17) on the pay page and the paid page: the government's part
beside the member's for a 低保 member, in the real app (one start, no devices): the session's
states as the controller hands them over, the member's taps real touches."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.ui]


def test_the_government_part_shows_beside_the_members(run_scenario):
    seen = run_scenario("tests.ui.scenarios_fee_reduction:fee_reduction")
    # Medical: 380.00 x 50 % = 190.00 by the government; 380.00 - 190.00 = 190.00 the member.
    assert seen["medical_title"] == "年度个人缴费 ￥380.00\n您享受缴费减免：最低生活保障"
    assert seen["medical_parts"] == "政府代缴 ￥190.00，您缴 ￥190.00"
    # Pension tiers: 100.00 - 100.00 = 0.00 and 300.00 - 100.00 = 200.00 for the member.
    assert seen["tiers"] == [
        "￥100.00（政府补贴 ￥30.00）\n政府代缴 ￥100.00，您缴 ￥0.00",
        "￥300.00（政府补贴 ￥30.00）\n政府代缴 ￥100.00，您缴 ￥200.00",
    ]
    assert seen["pension_title"].endswith("您享受缴费减免：最低生活保障")
    # The breakdown of tier 300.00: the member confirms 200.00, the government's 100.00 beside.
    assert "政府代缴 ￥100.00，您缴 ￥200.00" in seen["quote_total"]
    assert "￥200.00" in seen["quote_total"].split("\n")[0]
    assert all(seen["quote_fits"])
    # Paid: the outcome says both parts too.
    assert seen["step"] == "result"
    assert "政府代缴 ￥100.00，您缴 ￥200.00" in seen["result"]
    assert seen["layout_loops"] == 0

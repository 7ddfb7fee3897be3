from printer.textwidth import truncate, two_columns, width, wrap


def test_cjk_takes_two_columns():
    assert width("合计￥1.00") == 2 * 2 + 2 + 4


def test_two_columns_fills_the_line_exactly():
    line = two_columns("养老保险（20%）", "￥3,600.00", 48)
    assert width(line) == 48 and line.endswith("￥3,600.00")


def test_long_left_is_cut_to_fit():
    line = two_columns("很长的" * 20, "￥1.00", 20)
    assert width(line) <= 20 and line.endswith("￥1.00")


def test_wrap_and_truncate():
    assert all(width(x) <= 10 for x in wrap("社会保险费缴费凭证ABCDEF", 10))
    assert truncate("社会保险", 5) == "社会"


def test_double_byte_gb18030_symbols_take_two_columns():
    # wcwidth says 1 for these, but a Chinese printer prints them full-width
    assert width("×") == 2 and width("—") == 2 and width("·") == 2
    assert width("ａ") == 2 and width("a") == 1

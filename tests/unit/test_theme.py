"""Every text colour pair of the theme keeps a contrast of at least 4.5:1 (WCAG AA)."""

from screens import theme


def test_contrast_of_every_pair():
    for name, (fg, bg) in theme.PAIRS.items():
        assert theme.contrast(fg, bg) >= 4.5, name


def test_contrast_formula_known_values():
    assert round(theme.contrast((0, 0, 0, 1), (1, 1, 1, 1)), 1) == 21.0
    assert theme.contrast((0.5, 0.5, 0.5, 1), (0.5, 0.5, 0.5, 1)) == 1.0

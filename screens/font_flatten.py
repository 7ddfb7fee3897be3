"""The bold text face with its CFF subroutines inlined ("flattened"), made once by setup.

Why: Kivy's SDL2 text provider opens a FreeType face per font file and pixel size, and FreeType
reads a CFF font's subroutines (and their indexes) into memory for every face it opens. Noto
Sans CJK SC Bold keeps about 1.8 MB of them, so each bold size the kiosk draws cost 2.47 MB;
the same outlines with every subroutine call written out in place cost 0.71 MB a size
(measured with SDL2_ttf through Kivy, six sizes each), and the file grows only from 17.0 to
18.9 MB. Nothing a member sees changes: the glyphs, their hints, the character map and the
layout tables are the same, and the rendered text is the same pixels (tests/unit/test_fonts.py
compares every outline of a sample).

fontTools' subsetter does the inlining (its `desubroutinize` option), keeping every glyph and
every character. It takes about 25 s for the 65,535 glyphs, so the app never does it: setup
(`python -m screens.font_flatten`) writes `<face>-flat.otf` beside the extracted face, and
`screens.fonts.text_faces` uses it when it is there (the extracted face otherwise). No Kivy
here.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from screens import fonts


def flatten(face: Path, target: Path | None = None) -> Path:
    """Write `face` (an OpenType CFF font) with its subroutines inlined to `target` (default
    `fonts.flat_path(face)`), keeping every glyph, character, name, hint and layout table,
    written as `fonts.write_atomically` writes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont, TTLibError

    target = target or fonts.flat_path(face)
    try:
        font = TTFont(face)
    except TTLibError as e:
        raise fonts.FontFileError(f"{face} is not a font fontTools can read: {e}") from None
    if "CFF " not in font:
        font.close()
        raise fonts.FontFileError(f"{face} has no CFF outlines to flatten")
    options = subset.Options()
    options.desubroutinize = True
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.name_legacy = True
    options.notdef_outline = True
    options.prune_unicode_ranges = False
    options.drop_tables = []
    options.passthrough_tables = True
    unicodes = {code for table in font["cmap"].tables if table.isUnicode() for code in table.cmap}
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs=font.getGlyphOrder(), unicodes=unicodes)
    subsetter.subset(font)
    try:
        fonts.write_atomically(target, font.save)
    finally:
        font.close()
    return target


def prepare(cache_dir: Path | None = None) -> Path | None:
    """Setup's step: the bold face extracted and flattened, unless done already. Returns the
    flattened file, or None without Noto Sans CJK (the configured font serves bold then)."""
    if not fonts.NOTO_BOLD.is_file():
        return None
    face = fonts.extract_face(
        fonts.NOTO_BOLD, fonts.NOTO_SC_FAMILY, cache_dir or fonts.font_cache_dir()
    )
    target = fonts.flat_path(face)
    if not target.is_file():
        print(f"setup: flattening {face.name} for the kiosk's bold text (once, ~25 s)", flush=True)
        started = time.monotonic()
        flatten(face, target)
        print(f"setup: {target} written in {time.monotonic() - started:.0f} s", flush=True)
    return target


if __name__ == "__main__":
    try:
        prepare()
    except (OSError, fonts.FontFileError) as e:
        # The kiosk still runs on the unflattened face (more memory per bold size): say so.
        print(f"setup: the bold face could not be flattened: {e}", file=sys.stderr)
        sys.exit(1)

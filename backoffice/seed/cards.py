"""Card profile files for the card emulator, in the format of docs/card-profiles.md: the social
security application and the financial one (backoffice.seed.finance), whose account the seeder
gives the reference acquirer."""

from __future__ import annotations

from pathlib import Path

from backoffice.seed.finance import finance_toml, member_finance
from backoffice.seed.lives import CardProfile
from common.emv_profile import FinanceProfile

NAME_BYTES = 30  # EF06 name field: GBK, 00-padded


def profile_toml(p: CardProfile, *, note: str = "", finance: FinanceProfile | None = None) -> str:
    """The profile as TOML text, with a [finance] section when `finance` is given. Names are
    checked to fit the card's 30 GBK bytes."""
    if len(p.name.encode("gbk")) > NAME_BYTES:
        raise ValueError(f"name does not fit {NAME_BYTES} GBK bytes: {p.name!r}")
    algorithm = "sm4" if p.spec_version == "3.00" else "des3"
    lines = [
        f"# Synthetic member card written by `python -m backoffice seed`. {note}".rstrip(),
        "[card]",
        f'spec_version = "{p.spec_version}"',
        f'algorithm = "{algorithm}"',
        f'pin = "{p.pin}"',
        "pin_tries = 3",
        'role = "member"',
        "",
        "[ef05]",
        f'card_identifier = "{p.card_identifier}"',
        'card_type = "3"',
        f'issuer = "{p.issuer}"',
        f'issue_date = "{p.issue_date:%Y%m%d}"',
        f'expiry_date = "{p.expiry_date:%Y%m%d}"',
        f'card_number = "{p.card_number}"',
        "",
        "[ef06]",
        f'id_number = "{p.id_number}"',
        f'name = "{p.name}"',
        'name_ext = ""',
        f'sex = "{p.sex}"',
        f"ethnicity = {p.ethnicity}",
        f'birthplace = "{p.birthplace}"',
        f'birth_date = "{p.birth_date:%Y%m%d}"',
        "",
    ]
    if finance is not None:
        lines += finance_toml(finance)
    return "\n".join(lines)


def profile_file_name(index: int) -> str:
    return f"member-{index:05d}.toml"


def write_profile(directory: Path, index: int, p: CardProfile, note: str = "") -> Path:
    path = directory / profile_file_name(index)
    text = profile_toml(p, note=note, finance=member_finance(index, p))
    path.write_text(text, encoding="utf-8")
    return path

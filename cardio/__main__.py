"""python -m cardio read [--reader PATTERN] [--full] [--json]  |  python -m cardio verify-pin

Errors print one line (中文 / English) and exit non-zero. ID and card numbers are masked
unless --full is given.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time

from cardio.errors import CardError, PinBlockedError, WrongPin
from cardio.pin import ScreenPin
from cardio.reader import CardReader
from cardio.security import make_security_module

DEFAULT_READER = "Virtual PCD 00 00"


def _reader(args: argparse.Namespace) -> CardReader:
    security = make_security_module(
        args.security, keys_file=args.keys_file, psam_reader_pattern=args.psam_reader
    )
    return CardReader(args.reader, security, use_pinpad=False)


def cmd_read(args: argparse.Namespace) -> int:
    reader = _reader(args)
    t0 = time.perf_counter()
    info = reader.read_card(require_genuine=False)
    ms = (time.perf_counter() - t0) * 1000
    reader.release()
    idn = info.id_number if args.full else info.masked_id_number
    cno = info.card_number if args.full else info.masked_card_number
    if args.json:
        print(json.dumps({
            "spec_version": info.spec_version, "algorithm": info.algorithm, "name": info.name,
            "id_number": idn, "card_number": cno, "region": info.region,
            "sex": info.sex, "ethnicity": info.ethnicity, "birthplace": info.birthplace,
            "birth_date": info.birth_date.isoformat(), "issue_date": info.issue_date.isoformat(),
            "expiry_date": info.expiry_date.isoformat(), "card_type": info.card_type,
            "genuine": info.genuine, "ms": round(ms, 1),
        }, ensure_ascii=False))  # fmt: skip
        return 0 if info.genuine else 3
    rows = [
        ("姓名 / name", info.name),
        ("社会保障号码 / ID number", idn),
        ("社会保障卡卡号 / card number", cno),
        ("性别 / sex", {"1": "男 / male", "2": "女 / female"}[info.sex]),
        ("出生日期 / birth date", info.birth_date.isoformat()),
        ("发卡地区 / region", info.region),
        ("规范版本 / spec version", f"{info.spec_version} ({info.algorithm})"),
        ("有效期 / valid", f"{info.issue_date} .. {info.expiry_date}"),
        (
            "真伪 / genuine",
            "是 / yes" if info.genuine else "否：认证失败 / NO: authentication failed",
        ),
        ("用时 / time", f"{ms:.1f} ms"),
    ]
    for label, value in rows:
        print(f"{label}: {value}")
    return 0 if info.genuine else 3


def cmd_verify_pin(args: argparse.Namespace) -> int:
    reader = _reader(args)
    reader.read_card()
    pin = ScreenPin(getpass.getpass("请输入密码 / PIN: "))
    try:
        result = reader.verify_pin(pin)
    except WrongPin as exc:
        print(str(exc), file=sys.stderr)
        return 4
    except PinBlockedError as exc:
        print(str(exc), file=sys.stderr)
        return 5
    finally:
        reader.release()
    print(
        "密码正确 / PIN correct"
        + (" (初始密码，请修改 / initial PIN, please change it)" if result.initial_pin else "")
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m cardio", description="社会保障卡 / social security card"
    )
    ap.add_argument(
        "--reader", default=DEFAULT_READER, help="reader name pattern (regular expression)"
    )
    ap.add_argument(
        "--security", choices=("software", "psam"), default="software", help="security module"
    )
    ap.add_argument(
        "--keys-file", default=None, help="software module master keys (default: test keys)"
    )
    ap.add_argument("--psam-reader", default="Virtual PCD 00 01", help="PSAM reader name pattern")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("read", help="read the card")
    r.add_argument("--full", action="store_true", help="show ID and card numbers unmasked")
    r.add_argument("--json", action="store_true")
    sub.add_parser("verify-pin", help="ask for the PIN (no echo) and verify it")
    args = ap.parse_args(argv)
    try:
        return cmd_read(args) if args.cmd == "read" else cmd_verify_pin(args)
    except CardError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except (KeyboardInterrupt, EOFError):
        print("已取消 / cancelled", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""python -m cardio.emulator {serve,insert,remove,fault,status,stop} (see server.py)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from cardio.emulator.server import Emulator, control, serve
from cardio.emulator.vpcd import VPCD_PORTS
from common import card_crypto

DEFAULT_RUN_DIR = os.environ.get("CARDIO_EMULATOR_DIR", "var/emulator")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cardio.emulator", description=__doc__)
    ap.add_argument("--run-dir", default=DEFAULT_RUN_DIR,
                    help="control socket + state file folder ($CARDIO_EMULATOR_DIR, default var/emulator)")  # fmt: skip
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="run the emulator (card in slot 0, PSAM in slot 1)")
    s.add_argument("--profile", help="card inserted at start (a path or a shipped profile name)")
    s.add_argument("--keys-file", help="master keys TOML (default: the built-in test keys)")
    s.add_argument("--card-port", type=int, default=VPCD_PORTS[0])
    s.add_argument("--psam-port", type=int, default=VPCD_PORTS[1], help="0 = no PSAM")
    s.add_argument("-v", "--verbose", action="store_true")
    i = sub.add_parser("insert", help="insert (or swap in) a card")
    i.add_argument("profile", help="a profile file, or the name of one in cardio/profiles/")
    i.add_argument("--pull-after", type=int, help="pull the card when APDU N+1 arrives")
    sub.add_parser("remove", help="remove the card")
    f = sub.add_parser("fault", help="pull the card when the (N+1)-th APDU from now arrives")
    f.add_argument("n", type=int)
    sub.add_parser("status")
    sub.add_parser("stop")
    args = ap.parse_args(argv)

    if args.cmd == "serve":
        logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                            format="%(asctime)s %(name)s %(message)s")  # fmt: skip
        try:
            keys = card_crypto.load_keys(args.keys_file)
        except (OSError, ValueError) as exc:
            print(f"密钥文件错误 / keys file error: {exc}", file=sys.stderr)
            return 2
        emulator = Emulator(
            args.run_dir, keys, card_port=args.card_port, psam_port=args.psam_port or None
        )
        serve(emulator, args.profile)
        return 0

    request: dict[str, object] = {"cmd": args.cmd}
    if args.cmd == "insert":
        request.update(profile=os.path.abspath(args.profile) if os.path.exists(args.profile) else args.profile,
                       pull_after=args.pull_after)  # fmt: skip
    elif args.cmd == "fault":
        request["pull_after"] = args.n
    try:
        answer = control(args.run_dir, request)
    except ConnectionError as exc:
        print(f"模拟器未运行 / emulator not running: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(answer, ensure_ascii=False))
    return 0 if answer.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())

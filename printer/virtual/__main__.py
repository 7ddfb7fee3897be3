"""python -m printer.virtual [--port 9100] [--control-port 9101] [--out DIR] [--paper-out-after N]

Runs the virtual receipt printer on 127.0.0.1 until interrupted. Each job is saved to --out as
job-NNNN.bin / .txt / .png when given. The control port takes the commands listed in
printer/virtual/control.py, e.g. `echo "paper out" | nc 127.0.0.1 9101`.
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from printer.virtual.control import ControlServer
from printer.virtual.server import VirtualPrinter


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m printer.virtual", description=__doc__)
    ap.add_argument("--port", type=int, default=9100, help="ESC/POS port (0 = any free port)")
    ap.add_argument("--control-port", type=int, default=None, help="control port (default port+1)")
    ap.add_argument("--out", type=Path, default=None, help="save each job here")
    ap.add_argument("--paper-out-after", type=int, default=None, help="receipts until paper out")
    args = ap.parse_args(argv)

    printer = VirtualPrinter(port=args.port, out_dir=args.out)
    if args.paper_out_after is not None:
        printer.paper_out_after(args.paper_out_after)
    control_port = (
        args.control_port
        if args.control_port is not None
        else (printer.port + 1 if args.port else 0)
    )
    control = ControlServer(printer, control_port)
    threading.Thread(target=control.serve_forever, daemon=True).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with printer:
        print(
            f"virtual receipt printer on 127.0.0.1:{printer.port}, "
            f"control on 127.0.0.1:{control.server_address[1]}",
            flush=True,
        )
        stop.wait()
    control.shutdown()
    control.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

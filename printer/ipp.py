"""A minimal IPP/1.1 client (RFC 8010/8011) over HTTP: just what the A4 printer needs.

Why not `lp`/`lpstat` output parsing or pycups: the command-line tools' output is localised and
made for people, and pycups needs libcups headers to build. IPP is the protocol cupsd speaks;
the few operations used here (Print-Job, Get-Job-Attributes, Get-Printer-Attributes,
Cancel-Job) take a hundred lines.
"""

from __future__ import annotations

import http.client
import itertools
import socket
import struct
from dataclasses import dataclass, field
from typing import Any

PRINT_JOB = 0x0002
CANCEL_JOB = 0x0008
GET_JOB_ATTRIBUTES = 0x0009
GET_PRINTER_ATTRIBUTES = 0x000B

OPERATION_GROUP, JOB_GROUP, END, PRINTER_GROUP = 0x01, 0x02, 0x03, 0x04
INTEGER, BOOLEAN, ENUM = 0x21, 0x22, 0x23
TEXT, NAME, KEYWORD, URI, CHARSET, LANGUAGE, MIME = 0x41, 0x42, 0x44, 0x45, 0x47, 0x48, 0x49

NOT_FOUND = 0x0406
NOT_ACCEPTING_JOBS = 0x0506

_ids = itertools.count(1)


class IppError(Exception):
    """Transport failure or an answer that is not IPP."""


@dataclass
class IppResponse:
    status: int
    groups: list[tuple[int, dict[str, list[Any]]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status < 0x0100

    def first(self, name: str, default: Any = None) -> Any:
        for _, attrs in self.groups:
            if name in attrs:
                return attrs[name][0]
        return default

    def all(self, name: str) -> list[Any]:
        for _, attrs in self.groups:
            if name in attrs:
                return attrs[name]
        return []


def _attr(tag: int, name: str, *values: Any) -> bytes:
    out = bytearray()
    for i, v in enumerate(values):
        if tag in (INTEGER, ENUM):
            data = struct.pack(">i", v)
        elif tag == BOOLEAN:
            data = bytes([1 if v else 0])
        else:
            data = str(v).encode("utf-8")
        key = name.encode() if i == 0 else b""
        out += bytes([tag]) + struct.pack(">H", len(key)) + key
        out += struct.pack(">H", len(data)) + data
    return bytes(out)


# One attribute of a request: value tag, name, values (ints or strings, per the tag).
Attribute = tuple[int, str, tuple[Any, ...]]


def encode_request(
    operation: int,
    attrs: list[Attribute],
    request_id: int,
    job_attrs: list[Attribute] | None = None,
) -> bytes:
    body = bytearray(struct.pack(">BBHI", 2, 0, operation, request_id))
    body.append(OPERATION_GROUP)
    body += _attr(CHARSET, "attributes-charset", "utf-8")
    body += _attr(LANGUAGE, "attributes-natural-language", "zh-cn")
    for tag, name, values in attrs:
        body += _attr(tag, name, *values)
    if job_attrs:
        body.append(JOB_GROUP)
        for tag, name, values in job_attrs:
            body += _attr(tag, name, *values)
    body.append(END)
    return bytes(body)


def decode_response(data: bytes) -> IppResponse:
    if len(data) < 9:
        raise IppError("short IPP answer")
    status = struct.unpack(">H", data[2:4])[0]
    resp = IppResponse(status)
    i = 8
    current: dict[str, list[Any]] | None = None
    last = ""
    while i < len(data):
        tag = data[i]
        i += 1
        if tag == END:
            break
        if tag < 0x10:  # a new attribute group
            current = {}
            resp.groups.append((tag, current))
            continue
        nlen = struct.unpack(">H", data[i : i + 2])[0]
        name = data[i + 2 : i + 2 + nlen].decode("utf-8", "replace")
        i += 2 + nlen
        vlen = struct.unpack(">H", data[i : i + 2])[0]
        raw = data[i + 2 : i + 2 + vlen]
        i += 2 + vlen
        if tag in (INTEGER, ENUM) and vlen == 4:
            value: Any = struct.unpack(">i", raw)[0]
        elif tag == BOOLEAN:
            value = bool(raw and raw[0])
        elif 0x40 <= tag <= 0x4F:
            value = raw.decode("utf-8", "replace")
        else:
            value = raw
        if current is None:
            raise IppError("attribute outside a group")
        if name:
            last = name
            current.setdefault(name, []).append(value)
        elif last:
            current[last].append(value)
    return resp


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self._path)
        self.sock = s


class IppClient:
    """Talks to one CUPS server: "host:port" or the path of its Unix socket."""

    def __init__(self, server: str, timeout: float = 10.0) -> None:
        self.server = server
        self.timeout = timeout

    def printer_uri(self, queue: str) -> str:
        host = "localhost" if self.server.startswith("/") else self.server
        return f"ipp://{host}/printers/{queue}"

    def request(
        self,
        operation: int,
        path: str,
        attrs: list[Attribute],
        document: bytes = b"",
        job_attrs: list[Attribute] | None = None,
    ) -> IppResponse:
        body = encode_request(operation, attrs, next(_ids), job_attrs) + document
        if self.server.startswith("/"):
            conn: http.client.HTTPConnection = _UnixHTTPConnection(self.server, self.timeout)
        else:
            host, _, port = self.server.rpartition(":")
            conn = http.client.HTTPConnection(
                host or self.server, int(port or 631), timeout=self.timeout
            )
        try:
            conn.request("POST", path, body=body, headers={"Content-Type": "application/ipp"})
            answer = conn.getresponse()
            data = answer.read()
            if answer.status != 200:
                raise IppError(f"HTTP {answer.status} {answer.reason} from {self.server}")
        except OSError as e:
            raise IppError(f"cannot reach CUPS at {self.server}: {e}") from e
        finally:
            conn.close()
        return decode_response(data)

"""The match: the Euclidean distance between two encodings against the policy's threshold, and
the similarity a certification records.

Similarity = 1 - distance, clipped to [0, 1] and rounded to thousandths: the same scale for every
policy (a city that moves its threshold does not change what stored scores mean). With the
default threshold 0.6 a match scores at least 0.400; the lab's photos of one person score about
0.63-0.68, the other person's 0.15 (docs/face.md)."""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence

ENCODING_SIZE = 128
_PACK = struct.Struct(f"<{ENCODING_SIZE}d")


def distance(a: Sequence[float], b: Sequence[float]) -> float:
    if len(a) != ENCODING_SIZE or len(b) != ENCODING_SIZE:
        raise ValueError("an encoding has 128 numbers")
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)))


def matches(d: float, threshold: float) -> bool:
    return d <= threshold


def milli(d: float) -> int:
    """Thousandths, half up (0.3645 -> 365)."""
    return math.floor(d * 1000 + 0.5)


def similarity_milli(distance_milli: int) -> int:
    """The recorded score in thousandths: 1000 - distance, within 0..1000."""
    return max(0, min(1000, 1000 - distance_milli))


def pack(encoding: Sequence[float]) -> bytes:
    """128 little-endian float64: how an enrolment stores its encoding."""
    return _PACK.pack(*encoding)


def unpack(data: bytes) -> tuple[float, ...]:
    return tuple(_PACK.unpack(data))

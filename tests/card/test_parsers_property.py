"""Random and mutated response bytes into the parsers: only cardio errors may come out."""

from __future__ import annotations

import contextlib
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardio import codec
from cardio.apdu import ApduChannel, Response
from cardio.errors import CardError
from cardio.pin import parse_features
from cardio.security import SoftwareSecurityModule
from cardio.ssse import CardInfo, SsseCard, decode_info, parse_fci_algorithm, parse_record
from cardio.transport import InProcessLink
from tests.helpers.card import emulated

FAST = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FAST
@given(st.binary(max_size=80))
def test_fci(raw):
    with contextlib.suppress(CardError):
        assert parse_fci_algorithm(raw) in ("des3", "sm4")


@FAST
@given(st.integers(0, 255), st.binary(max_size=40))
def test_record(tag, raw):
    with contextlib.suppress(CardError):
        parse_record("f", tag, raw)


@FAST
@given(st.binary(max_size=16))
def test_codecs(raw):
    for fn in (
        lambda: codec.bcd_decode("f", raw, allow_ff_padding=True),
        lambda: codec.date_decode("f", raw),
        lambda: codec.text_decode("f", raw),
        lambda: codec.id_number_decode("f", raw),
        lambda: Response.parse(raw),
    ):
        with contextlib.suppress(CardError):
            fn()
    parse_features(raw)  # never raises: a broken feature list offers nothing


VALUES = st.fixed_dictionaries({t: st.binary(max_size=32) for t in (1, 2, 3, 4, 5, 6, 7)})
HOLDER = st.fixed_dictionaries({t: st.binary(max_size=32) for t in (8, 9, 10, 11, 12, 13)})


@FAST
@given(VALUES, HOLDER, st.binary(max_size=24))
def test_decode_info(v, w, ext):
    try:
        info = decode_info(v, w, ext, "3.00", "sm4", True, b"")
    except CardError:
        return
    assert isinstance(info, CardInfo) and isinstance(info.birth_date, dt.date)


class Mutating:
    """The emulated card, with one response of the sequence mutated by hypothesis."""

    def __init__(self, card, index: int, mutate) -> None:
        self.inner = InProcessLink(card)
        self.atr = card.atr
        self.index, self.mutate, self.n = index, mutate, 0

    def transmit(self, apdu):
        answer = self.inner.transmit(apdu)
        self.n += 1
        return self.mutate(answer) if self.n == self.index + 1 else answer


MUTATIONS = st.one_of(
    st.binary(max_size=40).map(lambda b: lambda _a: b),  # replaced entirely
    st.tuples(st.integers(0, 63), st.integers(0, 255)).map(
        lambda p: (
            lambda a: a[: p[0] % max(len(a), 1)] + bytes([p[1]]) + a[p[0] % max(len(a), 1) + 1 :]
        )
    ),  # one byte changed
    st.integers(0, 40).map(lambda n: lambda a: a[:n]),  # truncated
)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(["card-2.00", "card-3.00", "card-rare-name"]), st.integers(0, 21), MUTATIONS)
def test_whole_read_with_a_mutated_response(tmp_path, profile, index, mutate):
    card = emulated(profile, tmp_path)
    app = SsseCard(ApduChannel(Mutating(card, index, mutate)))
    with contextlib.suppress(CardError):
        app.read_info(SoftwareSecurityModule())

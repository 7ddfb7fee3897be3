"""The terminal's security module: checks the card's INTERNAL AUTHENTICATE answer, makes
the EXTERNAL AUTHENTICATE cryptogram and the MAC of RELOAD PIN. Two implementations behind one interface:

- SoftwareSecurityModule: master keys in memory (the built-in test keys or a keys file);
  for development, the demo and tests.
- PsamSecurityModule: the same operations as APDUs to a PSAM in the second reader slot
  (commands in docs/card-card_crypto.md); the keys never leave the PSAM.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from typing import Protocol

from cardio.apdu import ApduChannel, Command, Link
from cardio.errors import CardError, CardStatusError, NoPinReloadKey, SecurityModuleError
from common import card_crypto


class SecurityModule(Protocol):
    def challenge(self) -> bytes:
        """16 random bytes to send to the card with INTERNAL AUTHENTICATE."""
        ...

    def check_internal_auth(
        self, algorithm: str, card_identifier: bytes, challenge: bytes, response: bytes
    ) -> bool:
        """Is `response` the card's correct answer to `challenge` (the last one issued)?"""
        ...

    def external_auth_cryptogram(
        self, algorithm: str, card_identifier: bytes, card_random: bytes
    ) -> bytes:
        """The 8-byte cryptogram proving the terminal holds the card's read key (key 0A)."""
        ...

    def pin_reload_mac(
        self, algorithm: str, card_identifier: bytes, card_random: bytes, message: bytes | bytearray
    ) -> bytes:
        """The 4-byte MAC of RELOAD PIN under the card's PIN-reload key: `message` is the
        header with Lc and the new PIN block, `card_random` the card's 8-byte challenge.
        Raises SecurityModuleError when the module holds no PIN-reload key."""
        ...

    def close(self) -> None: ...


class SoftwareSecurityModule:
    def __init__(self, keys: card_crypto.MasterKeys = card_crypto.TEST_KEYS) -> None:
        self.keys = keys
        self._last: bytes | None = None
        self._lock = threading.Lock()

    def challenge(self) -> bytes:
        with self._lock:
            self._last = os.urandom(16)
            return self._last

    def check_internal_auth(
        self, algorithm: str, card_identifier: bytes, challenge: bytes, response: bytes
    ) -> bool:
        with self._lock:
            last, self._last = self._last, None
        if last is None or not card_crypto.same(last, challenge):
            return False  # a replayed or foreign challenge proves nothing
        key = card_crypto.card_key(algorithm, self.keys.internal, card_identifier)
        return card_crypto.same(
            card_crypto.internal_auth_response(algorithm, key, challenge), response
        )

    def external_auth_cryptogram(
        self, algorithm: str, card_identifier: bytes, card_random: bytes
    ) -> bytes:
        key = card_crypto.card_key(algorithm, self.keys.read, card_identifier)
        return card_crypto.external_auth_cryptogram(algorithm, key, card_random)

    def pin_reload_mac(
        self, algorithm: str, card_identifier: bytes, card_random: bytes, message: bytes | bytearray
    ) -> bytes:
        if self.keys.pin_reload is None:
            raise NoPinReloadKey()
        key = card_crypto.card_key(algorithm, self.keys.pin_reload, card_identifier)
        return card_crypto.pin_reload_mac(algorithm, key, card_random, message)

    def close(self) -> None:
        pass


class ClosableLink(Link, Protocol):
    """A link the security module owns: it closes it when the PSAM stops answering."""

    def close(self) -> None: ...


class PsamSecurityModule:
    """A PSAM reached through a link (normally `PcscLink(psam_reader_pattern)`), opened lazily."""

    def __init__(self, link_factory: Callable[[], ClosableLink]) -> None:
        self._link_factory = link_factory
        self._link: ClosableLink | None = None
        self._channel: ApduChannel | None = None
        self._lock = threading.Lock()

    def _ch(self) -> ApduChannel:
        if self._channel is None:
            try:
                link = self._link_factory()
            except CardError as exc:
                raise SecurityModuleError(
                    en=f"PSAM unavailable: {exc.en}", zh=f"PSAM 不可用：{exc.zh}"
                ) from exc
            self._link = link
            self._channel = ApduChannel(link)
        return self._channel

    def _send(self, cmd: Command) -> bytes:
        with self._lock:
            try:
                return self._ch().send(cmd).data
            except CardStatusError:
                raise
            except CardError as exc:
                self._drop()
                raise SecurityModuleError(en=f"PSAM: {exc.en}", zh=f"PSAM：{exc.zh}") from exc

    def _drop(self) -> None:
        if self._link is not None:
            with contextlib.suppress(Exception):
                self._link.close()
        self._link = self._channel = None

    def challenge(self) -> bytes:
        data = self._send(Command("PSAM GET CHALLENGE", 0x00, 0x84, 0x00, 0x00, le=16))
        if len(data) != 16:
            raise SecurityModuleError(en="PSAM challenge is not 16 bytes", zh="PSAM 随机数长度错误")
        return data

    def check_internal_auth(
        self, algorithm: str, card_identifier: bytes, challenge: bytes, response: bytes
    ) -> bool:
        if len(response) != 16:
            return False
        cmd = Command("PSAM CHECK INTERNAL AUTH", 0x80, 0xF2, 0x00, card_crypto.FCI_FLAG[algorithm],
                      card_identifier + challenge + response)  # fmt: skip
        try:
            self._send(cmd)
        except CardStatusError as exc:
            if exc.sw in (0x6988, 0x6984):
                return False
            raise SecurityModuleError(en=f"PSAM: {exc.en}", zh=f"PSAM：{exc.zh}") from exc
        return True

    def external_auth_cryptogram(
        self, algorithm: str, card_identifier: bytes, card_random: bytes
    ) -> bytes:
        cmd = Command("PSAM CIPHER", 0x80, 0xF0, card_crypto.KEY_READ, card_crypto.FCI_FLAG[algorithm],
                      card_identifier + card_random + bytes(8))  # fmt: skip
        try:
            return self._send(cmd)[:8]
        except CardStatusError as exc:
            raise SecurityModuleError(en=f"PSAM: {exc.en}", zh=f"PSAM：{exc.zh}") from exc

    def pin_reload_mac(
        self, algorithm: str, card_identifier: bytes, card_random: bytes, message: bytes | bytearray
    ) -> bytes:
        if len(card_random) != 8 or not 1 <= len(message) <= 64:
            raise SecurityModuleError(en="RELOAD PIN MAC: bad input", zh="重装密码 MAC 输入有误")
        cmd = Command("PSAM RELOAD PIN MAC", 0x80, 0xF4, 0x00, card_crypto.FCI_FLAG[algorithm],
                      card_identifier + card_random + message, sensitive=True)  # fmt: skip
        try:
            mac = self._send(cmd)
        except CardStatusError as exc:
            if exc.sw == 0x6A88:
                raise NoPinReloadKey() from exc
            raise SecurityModuleError(en=f"PSAM: {exc.en}", zh=f"PSAM：{exc.zh}") from exc
        if len(mac) != 4:
            raise SecurityModuleError(en="PSAM MAC is not 4 bytes", zh="PSAM MAC 长度错误")
        return mac

    def close(self) -> None:
        with self._lock:
            self._drop()


def make_security_module(
    kind: str, *, keys_file: str | None = None, psam_reader_pattern: str = ""
) -> SecurityModule:
    """From config: kind "software" (keys_file "" = built-in test keys) or "psam"."""
    if kind == "software":
        return SoftwareSecurityModule(card_crypto.load_keys(keys_file or None))
    if kind == "psam":
        from cardio.transport import PcscLink

        return PsamSecurityModule(lambda: PcscLink(psam_reader_pattern))
    raise ValueError(f"unknown security module kind {kind!r}")

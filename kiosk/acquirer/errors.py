"""What can go wrong talking to the acquirer, by what it means for the money.

- AcquirerUnreachable: nothing was sent (no connection): nothing can have been charged.
- AcquirerNoAnswer: sent, no answer in time (or the line dropped): in doubt; a sale must be
  reversed.
- AcquirerBadAnswer: an answer that cannot be trusted (MAC wrong, not ours): in doubt too."""

from __future__ import annotations

from kiosk.errors import KioskError


class AcquirerError(KioskError):
    message_key = "payments.host_down"
    in_doubt = False  # True: the message may have been acted on: reverse a sale


class AcquirerUnreachable(AcquirerError):
    pass


class AcquirerNoAnswer(AcquirerError):
    in_doubt = True


class AcquirerBadAnswer(AcquirerError):
    in_doubt = True

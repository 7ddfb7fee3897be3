"""What must never reach a log, and the filter that keeps it out — one module for the kiosk and
the back office (kiosk.logging_setup, backoffice.logs).

Masked (the way receipts mask them):
- citizen ID numbers: 17 digits and a check character, also glued to letters
  (`ID110101199003071234`) and written in groups (`1101 0119 9003 0712 34`,
  `110101-19900307-1234`) when the groups make a plausible ID (a province code, a birth date);
- bank card numbers of 16 to 19 digits, and in groups (`6222 0212 3456 7890 123`) when they
  start like a payment card (3–6) and pass the Luhn check;
- social security card numbers (a capital letter and 8 digits).
Replaced by `***`:
- `Bearer <token>`, the values of Authorization, X-Card-Session, X-Signature, api_key, token,
  secret, signing_key, password (`name: value`, `name=value`, JSON `"name": "value"`);
- API keys (`api-…` as scripts/make_test_ca.py makes them, `demo-key-…`) and bare random
  tokens (32 or more characters of [A-Za-z0-9_-] with upper and lower case and a digit: a
  card-session token is 43).
Kept: amounts (`1,152.90`), dates (`2026-06-20`), months (`202406`, lists of them), order
numbers (`20260601-000123`), 11-digit phone numbers (we hold none; masking every 11-digit run
would hide order numbers and timestamps), hex strings of 32 or more characters with a letter
(card identifiers, SHA-256 digests), runs of 20 or more digits.
A record that looks like it carries a PIN is dropped whole (replaced by a notice).
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from common.masking import mask_card_number, mask_id

DROPPED = "a log record that looked like it held a PIN was dropped (from %s:%d)"
HIDDEN = "***"

# Citizen ID: 17 digits and a check character, not part of a longer number (letters around it
# do not protect it: "ID110101199003071234").
_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
# Bank card (PAN): 16 to 19 digits.
_PAN = re.compile(r"(?<!\d)\d{16,19}(?!\d)")
# Social security card number: one capital letter and 8 digits.
_SSC = re.compile(r"(?<![0-9A-Za-z])[A-Z]\d{8}(?![0-9A-Za-z])")
# Digits in groups split by one space or hyphen: every group but the last has 3 to 8 digits
# (so dates, byte dumps and "06 20" never start one), the last 1 to 8 and maybe an X.
_GROUPED = re.compile(
    r"(?<![\d.,])(?<!\d[ -])\d{3,8}(?:[ -]\d{3,8})*[ -]\d{1,8}[Xx]?(?![\dXx]|[ -]\d|[.,]\d)"
)
# Hex strings of 32+ characters with at least one letter: card identifiers, digests. Their
# digit runs are not ID or card numbers.
_HEX = re.compile(r"(?<![0-9A-Za-z])(?=[0-9]*[A-Fa-f])[0-9A-Fa-f]{32,}(?![0-9A-Za-z])")
_BEARER = re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+")
_NAMED = re.compile(
    r"(?i)\b(authorization|x-card-session|x-signature|api[_-]?key|token|secret|signing[_-]?key"
    r"|password)([\"']?\s*[:=]\s*[\"']?)(?!\*\*\*)((?:bearer\s+)?[^\s\"',;&}]+)"
)
_API_KEY = re.compile(r"(?<![A-Za-z0-9_-])(?:api-[A-Za-z0-9_-]{16,}|demo-key-[A-Za-z0-9_-]+)")
_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])")
# "PIN", "pin_code", "口令", "密码" followed closely by 4 to 12 digits.
_PIN = re.compile(r"(?i)((?<![a-z])pin|(?<![a-z])passw|口令|密码)[^0-9\n]{0,12}\d{4,12}")

# The first two digits of a citizen ID: the province (GB/T 2260), 83 for Taiwan residents'
# mainland permits, 91 for the foreigners' permanent residence ID of 2017.
_PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
        "91",
    ]
)


def plausible_id(digits: str) -> bool:
    """18 characters with a province code and a real birth date (positions 7–14)."""
    if len(digits) != 18 or digits[:2] not in _PROVINCES:
        return False
    try:
        born = dt.date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return False
    return 1900 <= born.year <= 2099


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _grouped(m: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", m.group())
    if plausible_id(digits.upper()):
        return mask_id(digits)
    if digits.isdigit() and 16 <= len(digits) <= 19 and digits[0] in "3456" and luhn_ok(digits):
        return mask_card_number(digits)
    return m.group()


def _token(m: re.Match[str]) -> str:
    t = m.group()
    mixed = any(c.isdigit() for c in t) and any(c.islower() for c in t)
    return HIDDEN if mixed and any(c.isupper() for c in t) else t


def _numbers(text: str) -> str:
    text = _GROUPED.sub(_grouped, text)
    text = _ID.sub(lambda m: mask_id(m.group()), text)
    text = _PAN.sub(lambda m: mask_card_number(m.group()), text)
    return _SSC.sub(lambda m: mask_card_number(m.group()), text)


def redact(text: str) -> str:
    """`text` with ID numbers and card numbers masked and secrets replaced by ***."""
    text = _BEARER.sub(lambda m: m.group()[:6] + " " + HIDDEN, text)
    text = _NAMED.sub(lambda m: m.group(1) + m.group(2) + HIDDEN, text)
    text = _API_KEY.sub(HIDDEN, text)
    text = _TOKEN.sub(_token, text)
    # Numbers everywhere but inside long hex strings (identifiers, digests).
    out, at = [], 0
    for m in _HEX.finditer(text):
        out += [_numbers(text[at : m.start()]), m.group()]
        at = m.end()
    out.append(_numbers(text[at:]))
    return "".join(out)


def looks_like_pin(text: str) -> bool:
    return bool(_PIN.search(text))


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and traceback) redacted; replaces PIN-like records.
    Put it on handlers: a filter on a logger does not see records propagated from others."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what there is, unformatted
            message = str(record.msg)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        exc = record.exc_text or ""
        # uvicorn's colour formatter would print this unredacted copy of the message.
        record.__dict__.pop("color_message", None)
        if looks_like_pin(message) or looks_like_pin(exc):
            record.msg, record.args = DROPPED, (record.module, record.lineno)
            record.exc_info, record.exc_text, record.stack_info = None, None, None
            return True
        record.msg, record.args = redact(message), ()
        if exc:
            record.exc_text = redact(exc)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def redact_every_handler() -> int:
    """Put a RedactingFilter on every handler that exists now (the root's and every named
    logger's: uvicorn's, sqlalchemy's...) that has none; the number of handlers changed."""
    loggers = [logging.getLogger()] + [
        lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    changed = 0
    for lg in loggers:
        for h in lg.handlers:
            if not any(isinstance(f, RedactingFilter) for f in h.filters):
                h.addFilter(RedactingFilter())
                changed += 1
    return changed

"""Personal data in values: detectors that tell whether a sampled value holds an email address,
a phone number, a US social security number, a payment card number or an IP address.

The dry run (``extract_sample``) runs them on the rows it samples; the column-name heuristics of
``pii_handling`` (stage 2) judge names, these judge values, and either may sit beside the other.
Every detector looks for a whole token in the text, so ``order 12`` is no phone number, and
each checks what a pattern alone cannot: card numbers pass the Luhn checksum and start with an
issuer's prefix; SSNs avoid the area and group numbers never issued (000, 666, 900-999, group
00, serial 0000); IPv4 addresses have four octets of at most 255, IPv6 addresses parse; phone
numbers carry a ``+`` country code or the separators of a written number and 7 to 15 digits.
Numbers stored as numbers are never personal data here: only text is examined, since an
integer id of sixteen digits would otherwise pass for a card number one time in ten.

Texts are cut to their first 4096 characters, and the patterns have no nested repetition, so a
hostile value cannot make a scan slow. Nothing here returns or keeps a matched value: callers
count matches, and sample values are never printed.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator

MAX_TEXT = 4096

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}(?![\w-])")  # fmt: skip
# A written phone number: optional +country code and (area code), then groups of digits separated
# by spaces, dots or dashes; its digit count and shape are checked after matching.
_PHONE = re.compile(r"(?<![\w+:/.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{1,8}(?:[ .-]\d{1,8}){1,5}(?![\w:/]|[.-]\d)")  # fmt: skip
_DATE = re.compile(r"\d{4}([./-])\d{1,2}\1\d{1,2}|\d{1,2}([./-])\d{1,2}\2\d{2,4}")
_E164 = re.compile(r"(?<![\w+])\+\d{8,15}(?!\w)")
_SSN = re.compile(r"(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?![\w-])")
_CARD = re.compile(r"(?<![\w+-])\d(?:[ -]?\d){12,18}(?![\w-])")
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:%\w+)?(?![\w:])")


def _email(text: str) -> bool:
    return "@" in text and _EMAIL.search(text) is not None


def _phone(text: str) -> bool:
    if _E164.search(text):
        return True
    for match in _PHONE.finditer(text):
        spelled = match.group()
        if _DATE.fullmatch(spelled) or _IPV4.fullmatch(spelled) or _SSN.fullmatch(spelled):
            continue
        groups = re.findall(r"\d+", spelled)
        digits = sum(len(group) for group in groups)
        # Two bare numbers ("order 12345 67890") are not a phone number: ask for its shape.
        written = spelled.startswith("+") or "(" in spelled or len(groups) >= 3
        if 7 <= digits <= 15 and (written or [len(g) for g in groups] == [3, 4]):
            return True
    return False


def _ssn(text: str) -> bool:
    for match in _SSN.finditer(text):
        area, group, serial = match.groups()
        if area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000":
            return True
    return False


# Issuer prefixes (IIN ranges) of the card networks, with their lengths.
_CARD_PREFIXES: tuple[tuple[tuple[int, int], int, tuple[int, ...]], ...] = (
    ((4, 4), 1, (13, 16, 19)),  # Visa
    ((51, 55), 2, (16,)),  # Mastercard
    ((2221, 2720), 4, (16,)),  # Mastercard 2-series
    ((34, 34), 2, (15,)),  # American Express
    ((37, 37), 2, (15,)),
    ((6011, 6011), 4, (16, 19)),  # Discover
    ((65, 65), 2, (16, 19)),
    ((644, 649), 3, (16, 19)),
    ((3528, 3589), 4, (16, 19)),  # JCB
    ((300, 305), 3, (14,)),  # Diners Club
    ((36, 36), 2, (14,)),
    ((38, 39), 2, (14, 16)),
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _issuer(digits: str) -> bool:
    for (low, high), width, lengths in _CARD_PREFIXES:
        if len(digits) in lengths and low <= int(digits[:width]) <= high:
            return True
    return False


def _credit_card(text: str) -> bool:
    for match in _CARD.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if _issuer(digits) and luhn_valid(digits) and len(set(digits)) > 1:
            return True
    return False


def _ip_address(text: str) -> bool:
    for match in _IPV4.finditer(text):
        if all(int(octet) <= 255 for octet in match.group().split(".")):
            return True
    if text.count(":") >= 2:
        for match in _IPV6.finditer(text):
            candidate = match.group()
            if candidate.count(":") < 2 or not any(c.isalnum() for c in candidate):
                continue
            try:
                ipaddress.IPv6Address(candidate.split("%", 1)[0])
            except ValueError:
                continue
            return True
    return False


# Category (as in the policy's pii.categories) -> detector.
DETECTORS: dict[str, Callable[[str], bool]] = {
    "email": _email,
    "phone": _phone,
    "ssn": _ssn,
    "credit_card": _credit_card,
    "ip_address": _ip_address,
}


def detect(text: str) -> set[str]:
    """The PII categories found in ``text`` (its first ``MAX_TEXT`` characters)."""
    text = text[:MAX_TEXT]
    if not any(c.isdigit() or c == "@" for c in text):
        return set()
    return {category for category, found in DETECTORS.items() if found(text)}


def texts(value: object, depth: int = 0) -> Iterator[str]:
    """The texts in a sampled value: a string; the strings of a list or a JSON object; the text
    form of an IP address. Numbers, dates and bytes are not text."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        yield str(value)
    elif isinstance(value, ipaddress.IPv4Interface | ipaddress.IPv6Interface):
        yield str(value.ip)
    elif depth < 4 and isinstance(value, list | tuple):
        for item in value[:100]:
            yield from texts(item, depth + 1)
    elif depth < 4 and isinstance(value, dict):
        for item in list(value.values())[:100]:
            yield from texts(item, depth + 1)


def categories_in(value: object) -> set[str]:
    """Every PII category one sampled value holds, in any of its texts."""
    found: set[str] = set()
    for text in texts(value):
        found |= detect(text)
    return found

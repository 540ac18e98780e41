"""Readers for the values metadata lines carry (durations, sizes); shared by every layer."""

from __future__ import annotations

import re

# matched against stripped text: `\s*` on both sides of an optional unit would be quadratic on a run of spaces
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h)?", re.IGNORECASE)
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib|k|m|g)?", re.IGNORECASE)
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_SIZE_UNITS = {
    "b": 1,
    "k": 1024,
    "kb": 1024,
    "kib": 1024,
    "m": 1024**2,
    "mb": 1024**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gb": 1024**3,
    "gib": 1024**3,
}


def parse_duration(text: str) -> float | None:
    """Seconds from `500ms`, `5s`, `1.5m`, `1h`; a bare number means seconds. None if unreadable."""
    match = _DURATION.fullmatch(text.strip())
    if not match:
        return None
    unit = (match.group(2) or "s").lower()
    return float(match.group(1)) * _DURATION_UNITS[unit]


def parse_size(text: str) -> int | None:
    """Bytes from `512`, `64KB`, `16MB`, `1GiB` (binary multiples). None if unreadable."""
    match = _SIZE.fullmatch(text.strip())
    if not match:
        return None
    unit = (match.group(2) or "b").lower()
    return int(float(match.group(1)) * _SIZE_UNITS[unit])

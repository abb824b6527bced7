"""Physical names that fit GCP's length and character rules, stable across runs."""

from __future__ import annotations

import re

from ailz.components.common.names import shorten

_BAD = re.compile(r"[^a-z0-9-]")


def fit(name: str, limit: int) -> str:
    """`name` lowercased; when too long, cut and end with a short hash so names stay unique."""
    return shorten(_BAD.sub("-", name.lower()).strip("-"), limit)


def account_id(*parts: str) -> str:
    """Service account ids: 6-30 chars, a letter first, lowercase letters, digits and '-'."""
    base = fit("-".join(parts), 30)
    if not base[:1].isalpha():
        base = fit("sa-" + base, 30)
    return base if len(base) >= 6 else f"{base}-ailz"[:30]

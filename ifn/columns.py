"""Names of the per-indicator columns shared by the scoring modules."""

from __future__ import annotations


def flag_column(id: str) -> str:
    """``imputed_<id>``: the value was filled (imputed, or estimated by the build)."""
    return f"imputed_{id}"

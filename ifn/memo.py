"""A bounded per-session memo (least recently used entries evicted first)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, MutableMapping
from typing import TypeVar

V = TypeVar("V")


def remember(store: MutableMapping[Hashable, V], key: Hashable, compute: Callable[[], V], max_entries: int) -> V:
    """The value of ``key`` in ``store``, computed once by ``compute``.

    A hit makes ``key`` the most recently used; after an insertion the least recently used entries
    are evicted until ``store`` holds ``max_entries`` at most (``store`` keeps insertion order, as
    ``dict`` and Streamlit's session state values do).
    """
    if max_entries < 1:
        raise ValueError("max_entries must be >= 1")
    if key in store:
        value = store.pop(key)
        store[key] = value
        return value
    value = compute()
    store[key] = value
    while len(store) > max_entries:
        store.pop(next(iter(store)))
    return value

"""The per-session memo of the analyst page (ifn.memo.remember): eviction order."""

import pytest

from ifn.memo import remember


def test_least_recently_used_is_evicted():
    store, calls = {}, []

    def get(key):
        return remember(store, key, lambda: calls.append(key) or key.upper(), 2)

    assert get("a") == "A" and get("b") == "B"
    assert get("a") == "A"               # hit: not computed again, now the most recent
    assert get("c") == "C"               # evicts b (least recently used), keeps a
    assert list(store) == ["a", "c"]
    assert get("b") == "B"               # computed again, evicts a
    assert list(store) == ["c", "b"]
    assert calls == ["a", "b", "c", "b"]


def test_bound_is_exact():
    store = {}
    for k in range(10):
        remember(store, k, lambda: 0, 4)
        assert len(store) == min(k + 1, 4)
    assert list(store) == [6, 7, 8, 9]
    remember(store, 10, lambda: 0, 1)
    assert list(store) == [10]
    with pytest.raises(ValueError):
        remember(store, 11, lambda: 0, 0)

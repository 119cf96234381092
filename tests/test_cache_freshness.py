"""Freshness of the cache: checked at most once a minute per process, input dates recorded when only they moved."""

from __future__ import annotations

import json
import os
import shutil

from ifn import build
from ifn.config import Settings


def test_a_new_date_on_an_unchanged_input_is_recorded_and_the_next_check_hashes_nothing(built_cache, tmp_path,
                                                                                        monkeypatch):
    cache = tmp_path / "cache"
    shutil.copytree(built_cache.cache_dir, cache)
    settings = Settings(data_dir=built_cache.data_dir, cache_dir=cache)
    manifest = json.loads((cache / "manifest.json").read_text(encoding="utf-8"))
    name = "etalab/decoupage-administratif-6.0.0/communes.json"
    manifest["inputs"][name]["mtime"] -= 10**9  # as if the bundle had been copied again since the build
    (cache / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    hashed = []
    real = build.sha256_file
    monkeypatch.setattr(build, "sha256_file", lambda path: hashed.append(path.name) or real(path))
    assert build.cache_status(settings).fresh
    assert hashed == ["communes.json"]  # only the file whose date moved
    recorded = json.loads((cache / "manifest.json").read_text(encoding="utf-8"))["inputs"][name]
    assert recorded["mtime"] == os.stat(built_cache.data_dir / name).st_mtime_ns
    hashed.clear()
    assert build.cache_status(settings).fresh and hashed == []


def test_ensure_data_checks_a_fresh_cache_once_a_minute(built_cache, monkeypatch):
    from ui import data

    calls = []
    real = build.cache_status
    monkeypatch.setattr(build, "cache_status", lambda settings: calls.append(1) or real(settings))
    clock = [1000.0]
    monkeypatch.setattr(data.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(data, "_fresh_checked", {})
    assert data.ensure_data() and data.ensure_data()
    assert len(calls) == 1
    clock[0] += data.FRESH_CHECK_SECONDS + 1
    assert data.ensure_data()
    assert len(calls) == 2

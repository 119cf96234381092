"""Packaging: pyproject.toml and requirements.txt pin the same versions."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pins(lines) -> dict[str, str]:
    out = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        assert m, f"unpinned requirement: {line!r}"
        out[m.group(1).lower().replace("_", "-")] = m.group(2)
    return out


def test_requirements_are_the_union_of_the_pyproject_groups():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    groups = [project["dependencies"], *project["optional-dependencies"].values()]
    declared = _pins(d for g in groups for d in g)
    required = _pins((ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines())
    assert declared == required
    runtime = _pins(project["dependencies"])
    assert "streamlit" in runtime and "pytest" not in runtime and "ruff" not in runtime

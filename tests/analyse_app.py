"""The analyst page in AppTest, shared by its test files: open it, apply the settings form."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "analyse.py")


def opened(timeout: float = 240) -> AppTest:
    """The page after its first run, without exception nor error."""
    at = AppTest.from_file(PAGE, default_timeout=timeout).run()
    assert not at.exception and not at.error
    return at


def apply(at: AppTest) -> AppTest:
    """Submit the settings form (« Appliquer »); no exception nor error after the rerun."""
    at.button[[b.label for b in at.button].index("Appliquer")].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at

"""The one patch of Streamlit internals (ui.navigation.require_app) and the internals it relies on.

Streamlit 1.67 offers no supported way to keep a ``pages/`` directory and still route a first deep
link through ``st.navigation`` (streamlit/streamlit#9624, #10276): until ``st.navigation`` has run
once in the process, ``PagesManager.uses_pages_directory`` makes the script runner serve
``pages/<page>.py`` directly. These tests fail the day those internals move, so the shim is
revisited then.
"""

import inspect

import pytest
import streamlit as st

pages_manager = pytest.importorskip("streamlit.runtime.pages_manager")


def test_streamlit_internals_the_shim_relies_on():
    from streamlit.commands import navigation
    from streamlit.runtime.scriptrunner import script_runner

    assert "uses_pages_directory" in vars(pages_manager.PagesManager)
    # the script runner still chooses the pages/ directory (MPA v1) on that flag…
    assert "if PagesManager.uses_pages_directory:" in inspect.getsource(script_runner)
    # …and st.navigation still turns it off: what require_app anticipates
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation)


class Rerun(Exception):
    pass


def test_require_app_switches_to_the_registry_and_reruns(monkeypatch):
    from ui.navigation import require_app

    def rerun():
        raise Rerun

    monkeypatch.setattr(st, "rerun", rerun)
    monkeypatch.setattr(pages_manager.PagesManager, "uses_pages_directory", True)
    with pytest.raises(Rerun):
        require_app()
    assert pages_manager.PagesManager.uses_pages_directory is False
    require_app()  # already routed through app.py: nothing happens
    monkeypatch.setattr(pages_manager.PagesManager, "uses_pages_directory", None)
    require_app()


def test_the_shim_is_the_only_patch_of_streamlit_internals():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    users = [p.relative_to(root).as_posix() for folder in ("ifn", "ui", "pages") for p in (root / folder).rglob("*.py")
             if "uses_pages_directory" in p.read_text(encoding="utf-8") or "streamlit.runtime" in
             p.read_text(encoding="utf-8")]
    assert (root / "app.py").read_text(encoding="utf-8").count("streamlit.runtime") == 0
    assert users == ["ui/navigation.py"]

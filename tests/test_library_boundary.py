"""``ifn`` is a plain library: importing every one of its modules never imports streamlit.

``ifn.__main__`` is left out (importing it runs the command line); it only calls ``ifn.cli.main``.
"""

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import ifn

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import importlib, json, pkgutil, sys
import ifn
names = sorted(m.name for m in pkgutil.walk_packages(ifn.__path__, "ifn.") if m.name != "ifn.__main__")
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "ui": sorted(m for m in sys.modules
                                                 if m.split(".")[0] in ("streamlit", "streamlit_folium", "ui"))}))
"""


def test_ifn_never_imports_streamlit():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    expected = {m.name for m in pkgutil.walk_packages(ifn.__path__, "ifn.") if m.name != "ifn.__main__"}
    assert set(result["modules"]) == expected and {"ifn.analysis", "ifn.framing", "ifn.memo"} <= expected
    assert result["ui"] == []


def test_probe_sees_an_import_of_streamlit():
    # the probe itself can fail: a module importing streamlit shows up in its answer
    out = subprocess.run([sys.executable, "-c", "import streamlit\n" + PROBE], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert "streamlit" in json.loads(out.stdout.strip().splitlines()[-1])["ui"]

"""One module per open-data source of the bundle.

Each module keeps its file specification, its parser (validated, French errors
naming the file, the line or key and the value) and its transform onto the
communes of the COG 2026 (``to_communes``). See docs/architecture.md, « Sources ».

Protocol of a source module (``ifn.sources.<module>``)::

    SOURCE_ID: str                       # key of [sources.<id>] in ifn/catalogue.toml
    files(root) -> list[Path]            # every bundle file it reads
    read(root) -> pl.DataFrame           # one row per source code (column ``code``)
    to_communes(mapped, **context) -> pl.DataFrame   # one row per 2026 commune code
    report(frame) -> dict                # optional extra counts for the build report
"""

from __future__ import annotations

import importlib
from types import ModuleType


def load(module: str) -> ModuleType:
    """The source module ``ifn.sources.<module>``."""
    return importlib.import_module(f"{__name__}.{module}")

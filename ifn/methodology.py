"""The « Méthode et sources » page as Markdown: ``docs/methodology.md`` plus tables from the catalogue.

The text is the project's own file (trusted Markdown, the same text as in the repository); the tables are
generated from ``ifn/catalogue.toml`` so that a definition, a source or a vintage is written once.
"""

from __future__ import annotations

from pathlib import Path

from ifn.catalogue import Catalogue, load_catalogue
from ifn.errors import ConfigError
from ifn.vintage import sources_markdown

METHODOLOGY_PATH = Path(__file__).resolve().parent.parent / "docs" / "methodology.md"


def methodology_text(path: Path = METHODOLOGY_PATH) -> str:
    """The methodology document; ConfigError (French, naming the file) when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Le document de méthode « {path} » est illisible : {exc.__class__.__name__}.") from exc


def _cell(text: str | None) -> str:
    return (text or "—").replace("|", "\\|").replace("\n", " ")


def indicators_markdown(catalogue: Catalogue | None = None) -> str:
    """Markdown table of every indicator of the catalogue: axis, label, unit, definition, source, vintage."""
    catalogue = catalogue or load_catalogue()
    lines = ["| Axe | Indicateur | Unité | Définition | Source | Millésime |", "|---|---|---|---|---|---|"]
    for ind in sorted(catalogue.indicators, key=lambda i: i.axis):
        axis = "indice" if ind.axis == 1 else "contexte"
        lines.append(f"| {axis} | {_cell(ind.label)} | {_cell(ind.unit)} | {_cell(ind.definition or ind.description)} "
                     f"| {_cell(ind.source)} | {_cell(ind.vintage)} |")
    return "\n".join(lines)


def page_markdown(catalogue: Catalogue | None = None, path: Path = METHODOLOGY_PATH) -> tuple[str, str]:
    """(methodology text, generated section) of the page."""
    catalogue = catalogue or load_catalogue()
    generated = ("## Sources et millésimes (générés depuis le catalogue)\n\n" + sources_markdown(catalogue)
                 + "\n\n## Indicateurs du catalogue\n\n" + indicators_markdown(catalogue) + "\n")
    return methodology_text(path), generated

"""How each variant is built and how it stands for the official IFN, generated from the catalogue.

The official indicators of each variant, beside ours, are data of ``ifn/catalogue.toml``
(``[[variants.<id>.official]]``: axis, official indicator, our indicator, status, why). This module
turns them into the table of the methodology (``official_table``, ``markdown``), checks that every
indicator of a variant has its row (``unmapped``), and writes the line of the territory card that says
which variant is shown and what differs from « Tout âge » (``variant_summary``).

Pure functions; no file is read here except through ``load_catalogue`` and ``methodology_text``.

Also the « Méthode et sources » page as Markdown: ``docs/methodology.md`` (the project's own file,
trusted Markdown, the same text as in the repository) plus tables generated from ``ifn/catalogue.toml``
(``page_markdown``), so that a definition, a source or a vintage is written once.
"""

from __future__ import annotations

from pathlib import Path

from ifn.catalogue import OFFICIAL_STATUSES, Catalogue, Variant, load_catalogue
from ifn.errors import ConfigError
from ifn.vintage import sources_markdown

REFERENCE = "tout_age"
AXIS_LABELS = {1: "Indice", 2: "Contexte"}
COLUMNS = ("Axe", "Indicateur officiel", "Indicateur de l'outil", "Correspondance", "Pourquoi")


def unmapped(catalogue: Catalogue | None = None) -> list[tuple[str, str]]:
    """(variant, indicator) pairs of indicators of a variant that no official row names."""
    cat = catalogue or load_catalogue()
    out = []
    for variant in cat.variants:
        named = {row.ours for row in variant.official}
        out += [(variant.id, i) for i in variant.all_ids if i not in named]
    return out


def official_table(variant: Variant, catalogue: Catalogue | None = None) -> list[dict[str, str]]:
    """One row per official indicator (and per indicator this tool adds), axis 1 first, in catalogue order."""
    cat = catalogue or load_catalogue()
    rows = sorted(variant.official, key=lambda r: r.axis)
    return [{
        "Axe": AXIS_LABELS[r.axis],
        "Indicateur officiel": r.official or "—",
        "Indicateur de l'outil": f"{cat.indicator(r.ours).label} ({r.ours})" if r.ours else "—",
        "Correspondance": OFFICIAL_STATUSES[r.status],
        "Pourquoi": r.why,
    } for r in rows]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(catalogue: Catalogue | None = None) -> str:
    """The methodology section of every variant as Markdown: composition, then the official table."""
    cat = catalogue or load_catalogue()
    parts = []
    for variant in cat.variants:
        parts.append(f"#### Variante « {variant.label} » (`{variant.id}`)\n")
        parts.append(variant.description + "\n")
        parts.append("- Indice : " + ", ".join(f"{cat.indicator(i).label} (`{i}`)" for i in variant.indicators) + ".")
        parts.append("- Contexte : " + ", ".join(f"{cat.indicator(i).label} (`{i}`)" for i in variant.context) + ".")
        if variant.missing_note:
            parts.append(f"- Données manquantes : {variant.missing_note}")
        parts.append("")
        parts.append("| " + " | ".join(COLUMNS) + " |")
        parts.append("|" + "---|" * len(COLUMNS))
        for row in official_table(variant, cat):
            parts.append("| " + " | ".join(_cell(row[c]) for c in COLUMNS) + " |")
        parts.append("")
    return "\n".join(parts)


def _short(catalogue: Catalogue, id: str) -> str:
    ind = catalogue.indicator(id)
    return f"« {ind.short_label or ind.label} »"


def differences(variant: Variant, reference: Variant, catalogue: Catalogue) -> list[str]:
    """French phrases: indicators of ``variant`` that replace or add to those of ``reference``, per axis."""
    out = []
    for axis, mine, theirs in (("indice", variant.indicators, reference.indicators),
                               ("contexte", variant.context, reference.context)):
        added = [_short(catalogue, i) for i in mine if i not in theirs]
        removed = [_short(catalogue, i) for i in theirs if i not in mine]
        if added:
            out.append(f"{axis} : {', '.join(added)}" + (f" au lieu de {', '.join(removed)}" if removed else ""))
        elif removed:
            out.append(f"{axis} : sans {', '.join(removed)}")
    return out


def variant_summary(variant_id: str, catalogue: Catalogue | None = None) -> str:
    """The card's variant line: which variant is shown and what differs from « Tout âge »."""
    cat = catalogue or load_catalogue()
    variant = cat.variant(variant_id)
    head = f"Variante affichée : {variant.label}."
    if variant.id == REFERENCE:
        return head + " " + variant.description
    diff = differences(variant, cat.variant(REFERENCE), cat)
    text = f"{head} Par rapport à « {cat.variant(REFERENCE).label} » — " + " ; ".join(diff) + "."
    if variant.missing_note:
        text += " " + variant.missing_note
    return text

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

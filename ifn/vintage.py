"""What data the tool uses: sources and vintages, generated from the catalogue.

The home page, the « Méthode et sources » text and the exports read this one
table, so that a source or a vintage is written once, in ``ifn/catalogue.toml``.
"""

from __future__ import annotations

from ifn.catalogue import Catalogue, load_catalogue


def source_rows(catalogue: Catalogue | None = None) -> list[dict[str, str]]:
    """One row per source: what it gives (indicators, or its role), producer and label, vintage."""
    catalogue = catalogue or load_catalogue()
    roles = {
        "cog_2026": "Communes, EPCI, départements, régions, populations, codes postaux",
        "geo_2024": "Contours des communes (pris au 1er janvier 2026)",
    }
    rows = []
    for src in catalogue.sources:
        fed = [ind.label for ind in catalogue.indicators if src.id in ind.source_ids]
        what = roles.get(src.id) or " ; ".join(fed)
        if not what:
            continue
        rows.append({"donnee": what, "source": src.label, "millesime": src.vintage, "fichiers": src.files})
    return rows


def sources_markdown(catalogue: Catalogue | None = None) -> str:
    """Markdown table of the sources and their vintages (catalogue text only: no user input)."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| Donnée | Source | Millésime |", "|---|---|---|"]
    lines += [f"| {cell(r['donnee'])} | {cell(r['source'])} | {cell(r['millesime'])} |" for r in source_rows(catalogue)]
    return "\n".join(lines)

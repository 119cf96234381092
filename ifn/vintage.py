"""What data the tool uses: a French summary of sources and vintages for the home page."""

from __future__ import annotations

SOURCES: tuple[tuple[str, str], ...] = (
    ("Contours des communes", "IGN Admin Express COG 2018, simplifiés"),
    ("Communes, EPCI, départements, régions", "INSEE, Code officiel géographique au 1er janvier 2020"),
    ("Très haut débit (≥ 30 Mbit/s)", "ARCEP, « Ma connexion internet » (bêta), situation au 30 septembre 2019"),
    ("Couverture mobile (indicateur approché)", "ARCEP, sites mobiles de juin 2020, extraction Data For Good 2020"),
    ("Âge, diplômes, ménages", "INSEE, recensement de la population 2017"),
    ("Taux de pauvreté", "INSEE, Filosofi 2017 (publié pour 16 % des communes seulement)"),
    ("Demandeurs d'emploi, RSA", "Pôle emploi 2019, CNAF (communes de 5 000 habitants et plus)"),
    ("Bibliothèques, points de service public", "Ministère de la Culture 2019 ; ANCT, sites France Services mi-2023"),
    ("Populations", "INSEE, populations légales millésime 2017"),
    ("Codes postaux", "La Poste, base officielle des codes postaux 2020"),
)


def sources_markdown() -> str:
    """Markdown table of the sources and their vintages."""
    lines = ["| Donnée | Source et millésime |", "|---|---|"]
    lines += [f"| {what} | {where} |" for what, where in SOURCES]
    return "\n".join(lines)

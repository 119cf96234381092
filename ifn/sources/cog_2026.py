"""The commune universe of the index: the COG of 1 January 2026.

Source: INSEE's Code officiel géographique at 2026-01-01 with the populations
légales of millésime 2023 (in force in 2026), and the DGCL's EPCI at
2026-01-01, as republished by Etalab (``@etalab/decoupage-administratif``
6.0.0, ``etalab/decoupage-administratif-6.0.0/*.json``); INSEE's history of
commune changes (``insee/cog-2026/mouvements-communes.csv``).

The universe is every ``commune-actuelle`` of metropolitan France and of the
five DROM (34,875 communes); the collectivités d'outre-mer (``zone`` = ``com``)
are out of scope. Sub-units (municipal arrondissements, communes déléguées and
associées) are kept apart: they let the search and the reconciliation lead an
old or partial code to its 2026 commune.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl

from ifn.errors import DataError
from ifn.readers import CODE_RE, CsvSpec, read_csv_spec

SOURCE_ID = "cog_2026"
FOLDER = "etalab/decoupage-administratif-6.0.0"
COMMUNES_JSON = f"{FOLDER}/communes.json"
EPCI_JSON = f"{FOLDER}/epci.json"
DEPARTEMENTS_JSON = f"{FOLDER}/departements.json"
REGIONS_JSON = f"{FOLDER}/regions.json"
NO_EPCI = "ZZZZZZZZZ"
NO_EPCI_NAME = "Sans EPCI (commune isolée)"
IN_SCOPE_ZONES = ("metro", "drom")
SUB_UNIT_TYPES = {
    "arrondissement-municipal": "ARM",
    "commune-deleguee": "COMD",
    "commune-associee": "COMA",
}
MIN_COMMUNES = 30_000

MOVEMENTS = CsvSpec(
    "insee/cog-2026/mouvements-communes.csv", ",",
    {"MOD": "mod", "DATE_EFF": "date", "TYPECOM_AV": "type_av", "COM_AV": "code_av",
     "LIBELLE_AV": "nom_av", "TYPECOM_AP": "type_ap", "COM_AP": "code_ap", "LIBELLE_AP": "nom_ap"},
    code_columns=("code_av", "code_ap"), min_rows=1_000, required=("mod", "date"),
)


def files(root: Path) -> list[Path]:
    return [root / p for p in (COMMUNES_JSON, EPCI_JSON, DEPARTEMENTS_JSON, REGIONS_JSON, MOVEMENTS.relpath)]


def _load_array(path: Path) -> list[dict]:
    """A JSON array of objects, or a French DataError."""
    if path.is_dir():
        raise DataError(path, "un dossier se trouve là où un fichier JSON est attendu.")
    if not path.is_file():
        raise DataError(path, "fichier manquant dans le jeu de données ouvertes.")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise DataError(path, f"le fichier n'est pas en UTF-8 (octet {exc.start}).") from exc
    except json.JSONDecodeError as exc:
        raise DataError(path, f"JSON invalide à la ligne {exc.lineno}, colonne {exc.colno} ({exc.msg}).") from exc
    if not isinstance(data, list):
        raise DataError(path, "une liste JSON (« [ … ] ») est attendue.")
    for n, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise DataError(path, f"l'entrée n° {n + 1} n'est pas un objet JSON.")
    return data


def _text(path: Path, n: int, entry: dict, key: str, pattern: str | None = None, optional: bool = False) -> str | None:
    value = entry.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DataError(path, f"l'entrée n° {n + 1} (code « {entry.get('code')} ») n'a pas de champ « {key} » texte "
                              f"(valeur : {value!r}).")
    if pattern and not re.fullmatch(pattern, value):
        raise DataError(path, f"l'entrée n° {n + 1} : « {key} » vaut « {value} », format inattendu.")
    return value


def _population(path: Path, n: int, entry: dict) -> int | None:
    value = entry.get("population")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DataError(path, f"l'entrée n° {n + 1} (code « {entry.get('code')} ») : population {value!r} invalide "
                              "(entier positif attendu).")
    return value


def read_names(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Names of the départements and régions of 2026: (dep → name, reg → name)."""
    out = []
    for rel in (DEPARTEMENTS_JSON, REGIONS_JSON):
        path = root / rel
        names = {}
        for n, entry in enumerate(_load_array(path)):
            names[_text(path, n, entry, "code")] = _text(path, n, entry, "nom")
        out.append(names)
    return out[0], out[1]


def read_epci(root: Path) -> pl.DataFrame:
    """Membership of the EPCI at 2026-01-01: ``code`` (commune), ``epci``, ``epci_nom``, ``epci_type``."""
    path = root / EPCI_JSON
    rows: dict[str, tuple[str, str, str]] = {}
    for n, entry in enumerate(_load_array(path)):
        code = _text(path, n, entry, "code", r"\d{9}")
        nom = _text(path, n, entry, "nom")
        kind = _text(path, n, entry, "type", optional=True) or ""
        members = entry.get("membres")
        if not isinstance(members, list) or not members:
            raise DataError(path, f"l'EPCI « {code} » (entrée n° {n + 1}) n'a pas de liste « membres ».")
        for m in members:
            commune = m.get("code") if isinstance(m, dict) else None
            if not isinstance(commune, str) or not re.fullmatch(CODE_RE, commune):
                raise DataError(path, f"l'EPCI « {code} » a un membre de code invalide ({commune!r}).")
            if commune in rows and rows[commune][0] != code:
                raise DataError(path, f"la commune « {commune} » appartient à deux EPCI : « {rows[commune][0]} » et « {code} ».")
            rows[commune] = (code, nom, kind)
    return pl.DataFrame(
        {"code": list(rows), "epci": [r[0] for r in rows.values()], "epci_nom": [r[1] for r in rows.values()],
         "epci_type": [r[2] for r in rows.values()]},
        schema={"code": pl.String, "epci": pl.String, "epci_nom": pl.String, "epci_type": pl.String},
    )


def read_entries(root: Path) -> list[dict]:
    """The raw entries of ``communes.json`` (validated)."""
    path = root / COMMUNES_JSON
    return _load_array(path)


def read(root: Path) -> pl.DataFrame:
    """The 2026 communes in scope: ``code, nom, dep, dep_nom, reg, reg_nom, epci, epci_nom, population,
    codes_postaux, zone, anciens_codes``, sorted by code.
    """
    path = root / COMMUNES_JSON
    rows = []
    for n, entry in enumerate(read_entries(root)):
        if entry.get("type") != "commune-actuelle":
            continue
        zone = _text(path, n, entry, "zone")
        if zone not in IN_SCOPE_ZONES:
            continue
        postal = entry.get("codesPostaux") or []
        olds = entry.get("anciensCodes") or []
        if not all(isinstance(p, str) and re.fullmatch(r"\d{5}", p) for p in postal):
            raise DataError(path, f"l'entrée n° {n + 1} (code « {entry.get('code')} ») : codes postaux invalides {postal!r}.")
        rows.append({
            "code": _text(path, n, entry, "code", CODE_RE),
            "nom": _text(path, n, entry, "nom"),
            "dep": _text(path, n, entry, "departement", r"\d{2,3}|2[AB]"),
            "reg": _text(path, n, entry, "region", r"\d{2}"),
            "population": _population(path, n, entry),
            "codes_postaux": sorted(set(postal)),
            "zone": zone,
            "anciens_codes": [str(c) for c in olds],
        })
    if len(rows) < MIN_COMMUNES:
        raise DataError(path, f"{len(rows)} communes seulement, au moins {MIN_COMMUNES} attendues : fichier tronqué ?")
    table = pl.DataFrame(rows, schema={
        "code": pl.String, "nom": pl.String, "dep": pl.String, "reg": pl.String, "population": pl.Int64,
        "codes_postaux": pl.List(pl.String), "zone": pl.String, "anciens_codes": pl.List(pl.String),
    })
    dup = table.filter(pl.col("code").is_duplicated())
    if dup.height:
        raise DataError(path, f"le code « {dup['code'][0]} » apparaît plusieurs fois.")
    deps, regs = read_names(root)
    unknown = sorted(set(table["dep"]) - set(deps))
    if unknown:
        raise DataError(root / DEPARTEMENTS_JSON, f"département(s) absent(s) : {', '.join(unknown[:5])}.")
    epci = read_epci(root)
    table = (
        table.join(epci.select("code", "epci", "epci_nom"), on="code", how="left")
        .with_columns(
            pl.col("dep").replace_strict(deps, default=None).alias("dep_nom"),
            pl.col("reg").replace_strict(regs, default=None).alias("reg_nom"),
            pl.col("epci").fill_null(NO_EPCI),
            pl.col("epci_nom").fill_null(NO_EPCI_NAME),
        )
    )
    return table.select("code", "nom", "dep", "dep_nom", "reg", "reg_nom", "epci", "epci_nom", "population",
                        "codes_postaux", "zone", "anciens_codes").sort("code")


def read_sub_units(root: Path) -> pl.DataFrame:
    """Arrondissements municipaux, communes déléguées and associées: ``code, nom, typecom, parent``."""
    path = root / COMMUNES_JSON
    rows = []
    for n, entry in enumerate(read_entries(root)):
        kind = SUB_UNIT_TYPES.get(entry.get("type"))
        if kind is None:
            continue
        parent = entry.get("commune") or entry.get("chefLieu")
        rows.append({"code": _text(path, n, entry, "code", CODE_RE), "nom": _text(path, n, entry, "nom"),
                     "typecom": kind, "parent": parent})
    return pl.DataFrame(rows, schema={"code": pl.String, "nom": pl.String, "typecom": pl.String, "parent": pl.String})


def read_movements(root: Path) -> pl.DataFrame:
    """INSEE's history of commune changes since 1943 (``mod, date, type_av, code_av, nom_av, type_ap, code_ap, nom_ap``)."""
    return read_csv_spec(root, MOVEMENTS)

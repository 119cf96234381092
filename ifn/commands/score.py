"""``python -m ifn score``: compute the IFN of every unit of a level and export it."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ifn.errors import InputError

log = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx", "geojson", "parquet")
LEVELS = ("commune", "epci", "departement", "region")
METHODS = ("rank", "decile", "minmax", "base100")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "score",
        help="calculer l'IFN d'un niveau et l'exporter",
        description="Calcule l'Indice de Fragilité Numérique de chaque unité d'un niveau à partir du cache "
                    "et l'écrit dans un fichier (une ligne par unité).",
    )
    parser.add_argument("--level", default="commune", choices=LEVELS, help="niveau (défaut : commune)")
    parser.add_argument("--variant", default=None, help="variante du catalogue (défaut : tout_age)")
    parser.add_argument("--indicators", default=None,
                        help="indicateurs retenus, séparés par des virgules (poids égaux), ex. thd,mobile,age65")
    parser.add_argument("--weights", default=None, metavar="FICHIER.toml",
                        help="fichier de poids TOML ([weights] thd = 1.0 … et [settings] facultatif)")
    parser.add_argument("--method", default=None, choices=METHODS, help="normalisation (défaut : rank)")
    parser.add_argument("--reference", default=None,
                        help="territoire de référence de la base 100 : france, reg, dep, reg:<code>, dep:<code>")
    parser.add_argument("--no-impute", action="store_true", help="ne pas imputer les valeurs manquantes")
    parser.add_argument("--format", default=None, choices=FORMATS,
                        help="format de sortie (défaut : d'après l'extension de --out, sinon csv)")
    parser.add_argument("--out", required=True, metavar="CHEMIN", help="fichier de sortie")
    parser.set_defaults(run=run)


def _options(args: argparse.Namespace):
    from dataclasses import replace

    from ifn.presets import load_preset
    from ifn.score import ScoreOptions

    options = load_preset(Path(args.weights)) if args.weights else ScoreOptions()
    if args.indicators is not None:
        if args.weights:
            raise InputError("Choisissez --indicators ou --weights, pas les deux.")
        ids = [i.strip() for i in args.indicators.split(",") if i.strip()]
        if not ids:
            raise InputError(f"La liste d'indicateurs « {args.indicators} » est vide.")
        options = replace(options, weights={i: 1.0 for i in ids})
    changes = {}
    if args.variant is not None:
        changes["variant"] = args.variant
    if args.method is not None:
        changes["method"] = args.method
    if args.reference is not None:
        changes["reference"] = args.reference
    if args.no_impute:
        changes["impute"] = False
    return replace(options, **changes)


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    suffix = Path(args.out).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else "csv"


def metadata(options, level: str) -> dict[str, str]:
    """Metadata written next to the data (xlsx sheet)."""
    from ifn.cache import load_manifest
    from ifn.score import resolve_selection

    selection = resolve_selection(options)
    manifest = load_manifest() or {}
    return {
        "Niveau": level,
        "Variante": options.variant,
        "Méthode": options.method,
        "Territoire de référence (base 100)": options.reference or ("france" if options.method == "base100" else "—"),
        "Imputation": "oui" if options.impute else "non",
        "Poids": ", ".join(f"{k} = {v:g}" for k, v in selection.weights.items()),
        "Minimum d'indicateurs": str(min(options.min_indicators, len(selection.weights))),
        "Cache construit le": str(manifest.get("built_at", "inconnu")),
    }


def run(args: argparse.Namespace) -> int:
    from ifn import export
    from ifn.cache import load_communes, load_geometries
    from ifn.score import score_level, summary

    options = _options(args)
    fmt = _format(args)
    out = Path(args.out)
    if not out.parent.exists():
        raise InputError(f"Le dossier de sortie « {out.parent} » n'existe pas.")
    scored = score_level(load_communes(), args.level, options)
    if fmt == "csv":
        data = export.to_csv_bytes(scored)
    elif fmt == "xlsx":
        data = export.to_xlsx_bytes(scored, sheet=f"IFN {args.level}", metadata=metadata(options, args.level))
    elif fmt == "parquet":
        data = export.to_parquet_bytes(scored)
    else:
        data = export.to_geojson_bytes(export.with_geometry(scored, load_geometries(args.level, simplified=True)))
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise InputError(f"Impossible d'écrire « {out} » : {exc.strerror}.") from exc
    counts = summary(scored)
    imputed = ", ".join(f"{k} {v}" for k, v in counts["imputees"].items() if v)
    print(f"{counts['unites']} unités ({args.level}) : {counts['avec_score']} avec un IFN, "
          f"{counts['sans_score']} sans score ; valeurs imputées : {imputed or 'aucune'}.")
    print(f"Écrit : {out} ({fmt}, {len(data) / 1e6:.1f} Mo)")
    return 0

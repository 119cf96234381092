"""``python -m ifn priorites``: the priority list of digital mediation (the page « Besoins et offre de
médiation » computes the same one with ``ifn.mediation``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ifn.errors import InputError

FORMATS = ("csv", "xlsx", "geojson")
LEVELS = ("commune", "epci", "departement", "region")


def add_parser(subparsers) -> None:
    from ifn.mediation import DEFAULT_DISTANCE_KM, DEFAULT_IFN_MIN

    parser = subparsers.add_parser(
        "priorites",
        help="liste des communes fragiles éloignées d'un lieu de médiation numérique",
        description="Écrit la liste des communes dont l'IFN atteint un seuil et dont le lieu de médiation "
                    "numérique le plus proche (lieux CNFS, décembre 2022) est plus loin qu'une distance, classées "
                    "par population ; par EPCI, département ou région, la même liste résumée par unité.",
    )
    parser.add_argument("--level", default="commune", choices=LEVELS,
                        help="commune : la liste des communes ; epci, departement, region : la liste résumée par "
                             "unité (défaut : commune)")
    parser.add_argument("--territoire", default=None, metavar="dep:CODE|reg:CODE|epci:SIREN",
                        help="restreindre aux communes d'un territoire (défaut : toute la France)")
    parser.add_argument("--ifn-min", default=str(DEFAULT_IFN_MIN), metavar="N",
                        help=f"IFN minimal, de 1 à 10 (défaut : {DEFAULT_IFN_MIN:g})")
    parser.add_argument("--distance-km", default=str(DEFAULT_DISTANCE_KM), metavar="KM",
                        help=f"distance minimale au lieu de médiation le plus proche, en km (défaut : "
                             f"{DEFAULT_DISTANCE_KM:g} ; la commune est retenue au-delà)")
    parser.add_argument("--variant", default=None, help="variante du catalogue (défaut : tout_age)")
    parser.add_argument("--format", default=None, choices=FORMATS,
                        help="format de sortie (défaut : d'après l'extension de --out, sinon csv)")
    parser.add_argument("--out", required=True, metavar="CHEMIN", help="fichier de sortie")
    parser.set_defaults(run=run)


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    suffix = Path(args.out).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else "csv"


def run(args: argparse.Namespace) -> int:
    from ifn import export, mediation
    from ifn.cache import load_communes, load_geometries
    from ifn.score import ScoreOptions, score_level

    thresholds = mediation.check_thresholds(args.ifn_min, args.distance_km)
    out = Path(args.out)
    if not out.parent.exists():
        raise InputError(f"Le dossier de sortie « {out.parent} » n'existe pas.")
    fmt = _format(args)
    communes = load_communes().collect()
    options = ScoreOptions(variant=args.variant) if args.variant else ScoreOptions()
    table = mediation.commune_table(score_level(communes, "commune", options), communes)
    area_level, area_code, territory = mediation.parse_area(args.territoire, table)
    area = mediation.area_table(table, area_level, area_code)
    priority = mediation.priority_list(area, thresholds)
    totals = mediation.totals(area, priority, thresholds)
    if args.level == "commune":
        frame = mediation.export_frame(priority, thresholds, territory)
        geo_level, key = "commune", "code_commune"
    else:
        frame = mediation.unit_export_frame(mediation.by_unit(priority, area, args.level), thresholds, territory)
        geo_level, key = args.level, "code"
    meta = mediation.export_metadata(thresholds, territory, totals)
    if fmt == "csv":
        data = export.to_csv_bytes(frame)
    elif fmt == "xlsx":
        data = export.to_xlsx_bytes(frame, sheet="Priorités", metadata=meta)
    else:
        gdf = export.with_geometry(frame.rename({key: "code"}), load_geometries(geo_level, simplified=True))
        data = mediation.geojson_with_settings(export.to_geojson_bytes(gdf), meta)
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise InputError(f"Impossible d'écrire « {out} » : {exc.strerror}.") from exc
    print(mediation.sentence(totals, thresholds, territory))
    for note in mediation.caveats(totals):
        print(f"Note : {note}")
    print(f"Écrit : {out} ({fmt}, {frame.height} lignes)")
    return 0

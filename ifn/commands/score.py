"""``python -m ifn score``: compute the IFN of every unit of a level and export it."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Collection, Sequence
from pathlib import Path

from ifn.errors import IFNError, InputError

log = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx", "geojson", "parquet")
LEVELS = ("commune", "epci", "departement", "region", "iris")
METHODS = ("rank", "decile", "minmax", "base100")
UNKNOWN_SHOWN = 10
_ID = re.compile(r"^[a-z0-9_]+$")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "score",
        help="calculer l'IFN d'un niveau et l'exporter",
        description="Calcule l'Indice de Fragilité Numérique de chaque unité d'un niveau à partir du cache "
                    "et l'écrit dans un fichier (une ligne par unité).",
    )
    parser.add_argument("--level", default="commune", choices=LEVELS,
                        help="niveau (défaut : commune ; iris : IRIS de France métropolitaine, recensement 2022)")
    parser.add_argument("--variant", default=None, help="variante du catalogue (défaut : tout_age)")
    parser.add_argument("--indicators", default=None,
                        help="indicateurs retenus, séparés par des virgules (poids égaux), ex. fibre,couv4g,age65")
    parser.add_argument("--weights", default=None, metavar="FICHIER.toml",
                        help="fichier de poids TOML ([weights] fibre = 1.0 …, [settings] et [custom.<id>] "
                             "facultatifs), par exemple le préréglage de la page d'analyse")
    parser.add_argument("--method", default=None, choices=METHODS, help="normalisation (défaut : rank)")
    parser.add_argument("--reference", default=None,
                        help="territoire de référence de la base 100 : france, reg, dep, reg:<code>, dep:<code>")
    parser.add_argument("--no-impute", action="store_true", help="ne pas imputer les valeurs manquantes")
    parser.add_argument("--format", default=None, choices=FORMATS,
                        help="format de sortie (défaut : d'après l'extension de --out, sinon csv)")
    parser.add_argument("--extra", action="append", default=None, metavar="[ID=]FICHIER.csv",
                        help="fichier CSV d'un indicateur personnel décrit dans le fichier de poids (table "
                             "[custom.<id>] écrite par la page d'analyse) : code commune et valeur, lus comme sur la "
                             "page ; à répéter pour chaque indicateur ; le préfixe ID= peut être omis quand le "
                             "fichier de poids décrit un seul indicateur personnel")
    parser.add_argument("--out", required=True, metavar="CHEMIN", help="fichier de sortie")
    parser.set_defaults(run=run)


def _options(args: argparse.Namespace):
    """Score options and the ``[custom.<id>]`` descriptions of the weights file."""
    from dataclasses import replace

    from ifn.presets import read_preset
    from ifn.score import ScoreOptions

    preset = read_preset(Path(args.weights)) if args.weights else None
    for notice in (preset.notices if preset else ()):
        print(f"Attention : {notice}", file=sys.stderr)
    options = preset.options if preset else ScoreOptions()
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
    return replace(options, **changes), (preset.customs if preset else ())


def extra_files(values: Sequence[str], customs: Sequence) -> dict[str, Path]:
    """``--extra`` values → {custom id: file}, checked against the preset's ``[custom.<id>]`` tables.

    ``ID=FICHIER`` names the indicator; a bare ``FICHIER`` is allowed when the preset describes
    exactly one custom indicator.
    """
    ids = [c.id for c in customs]
    if values and not ids:
        raise InputError("--extra : le fichier de poids ne décrit aucun indicateur personnel (table "
                         "[custom.<id>] avec label et direction) ; enregistrez le préréglage depuis la page "
                         "« Analyse et pondérations » après avoir ajouté l'indicateur.")
    files: dict[str, Path] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if sep and key in ids:
            id, path = key, rest
        elif sep and _ID.match(key):
            raise InputError(f"--extra « {value} » : l'indicateur « {key} » n'est pas décrit dans le fichier de "
                             f"poids ; indicateurs personnels décrits : {', '.join(ids)}.")
        elif len(ids) == 1:
            id, path = ids[0], value
        else:
            raise InputError(f"--extra « {value} » : le fichier de poids décrit {len(ids)} indicateurs personnels "
                             f"({', '.join(ids)}) : précisez lequel avec --extra <id>=FICHIER.csv.")
        if not path.strip():
            raise InputError(f"--extra « {value} » : le nom du fichier CSV manque (--extra {id}=FICHIER.csv).")
        if id in files:
            raise InputError(f"--extra : deux fichiers pour l'indicateur « {id} » ({files[id]} et {path}).")
        files[id] = Path(path)
    return files


def check_custom_weights(options, customs: Sequence, files: Collection[str]):
    """Options whose weights only name custom indicators that have a file.

    A weighted custom indicator without ``--extra`` is refused; one with weight 0 is dropped.
    """
    from dataclasses import replace

    weights = dict(options.weights or {})
    for spec in customs:
        if spec.id in files:
            continue
        weight = weights.get(spec.id, 0)
        if isinstance(weight, (int, float)) and not isinstance(weight, bool) and weight > 0:
            origin = f", fichier d'origine « {spec.file} »" if spec.file else ""
            raise InputError(f"Le fichier de poids donne le poids {weight:g} à l'indicateur personnel « {spec.id} » "
                             f"({spec.label}{origin}) : donnez son fichier CSV avec --extra {spec.id}=FICHIER.csv.")
        weights.pop(spec.id, None)
    return replace(options, weights=weights) if options.weights is not None else options


def read_extra(spec, path: Path, known_codes: Collection[str]):
    """Parse the CSV of one custom indicator exactly as the analyst page does (``ifn.upload``).

    Returns the ``CustomIndicator`` (values of known communes, not yet oriented) and the
    ``ParsedIndicator`` (unknown codes, arrondissements, encoding, separator).
    """
    from ifn.upload import CustomIndicator, parse_upload

    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"--extra {spec.id} : le fichier « {path} » est introuvable.") from exc
    except OSError as exc:
        raise InputError(f"--extra {spec.id} : le fichier « {path} » est illisible ({exc.strerror}).") from exc
    try:
        parsed = parse_upload(data, known_codes, spec.code_column, spec.value_column)
    except IFNError as exc:
        raise InputError(f"Fichier « {path} » (indicateur « {spec.id} ») : {exc}") from exc
    indicator = CustomIndicator(id=spec.id, label=spec.label, direction=spec.direction, weight=0.0,
                                values=parsed.values, code_column=spec.code_column,
                                value_column=spec.value_column, source=path.name)
    return indicator, parsed


def unknown_notice(spec, path: Path, parsed, shown: int = UNKNOWN_SHOWN) -> str | None:
    """French notice for the codes of ``parsed`` that match no commune (they are left out), or None."""
    if not parsed.unknown:
        return None
    listed = ", ".join(f"{code} (ligne {line})" for line, code in parsed.unknown[:shown])
    more = f" et {len(parsed.unknown) - shown} autre(s)" if len(parsed.unknown) > shown else ""
    return (f"Attention : {len(parsed.unknown)} code(s) du fichier « {path} » (indicateur « {spec.id} ») ne "
            f"correspondent à aucune commune (COG 2026) et sont ignorés : {listed}{more} ; les "
            f"{parsed.values.height} autres valeurs sont utilisées.")


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    suffix = Path(args.out).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else "csv"


def metadata(options, level: str, customs: Sequence = ()) -> dict[str, str]:
    """Metadata written next to the data (xlsx sheet); ``customs``: the ``CustomIndicator`` used."""
    from ifn.cache import load_manifest
    from ifn.score import resolve_selection

    selection = resolve_selection(options, tuple(c.id for c in customs))
    manifest = load_manifest() or {}
    record = {
        "Niveau": level,
        "Variante": options.variant,
        "Méthode": options.method,
        "Territoire de référence (base 100)": options.reference or ("france" if options.method == "base100" else "—"),
        "Imputation": "oui" if options.impute else "non",
        "Poids": ", ".join(f"{k} = {v:g}" for k, v in selection.weights.items()),
        "Minimum d'indicateurs": str(min(options.min_indicators, len(selection.weights))),
        "Cache construit le": str(manifest.get("built_at", "inconnu")),
    }
    if customs:
        record["Indicateurs personnels"] = " ; ".join(
            f"{c.id} ({c.label}, {c.direction}, fichier {c.source}, {c.values['value'].is_not_null().sum()} valeurs)"
            for c in customs)
    return record


def run(args: argparse.Namespace) -> int:
    from ifn import export
    from ifn.cache import load_communes, load_geometries
    from ifn.score import score_level, summary
    from ifn.upload import SEPARATOR_NAMES, extra_frame

    options, specs = _options(args)
    if args.extra and not args.weights:
        raise InputError("--extra demande --weights : le fichier de poids décrit l'indicateur personnel (table "
                         "[custom.<id>] : nom, sens, colonnes).")
    files = extra_files(args.extra or [], specs)
    options = check_custom_weights(options, specs, files)
    fmt = _format(args)
    out = Path(args.out)
    if not out.parent.exists():
        raise InputError(f"Le dossier de sortie « {out.parent} » n'existe pas.")
    if args.level == "iris" and files:
        raise InputError("--extra n'est pas possible au niveau des IRIS : les indicateurs personnels sont donnés "
                         "par commune.")
    communes = load_communes()
    customs = []
    if files:
        known = frozenset(communes.select("code").collect()["code"].to_list())
        for spec in (s for s in specs if s.id in files):
            indicator, parsed = read_extra(spec, files[spec.id], known)
            customs.append(indicator)
            mapped = (f", arrondissement(s) rattaché(s) : {len(parsed.arrondissements)}"
                      if parsed.arrondissements else "")
            print(f"Indicateur personnel « {spec.id} » ({spec.label}) : {parsed.values.height} communes lues dans "
                  f"« {files[spec.id]} » ({parsed.encoding}, séparateur {SEPARATOR_NAMES[parsed.separator]}"
                  f"{mapped}).")
            notice = unknown_notice(spec, files[spec.id], parsed)
            if notice:
                print(notice, file=sys.stderr)
    if args.level == "iris":
        from ifn.cache import load_iris
        from ifn.iris import score_iris

        scored = score_iris(load_iris(), options)
    else:
        scored = score_level(communes, args.level, options, extra_frame(customs))
    if fmt == "csv":
        data = export.to_csv_bytes(scored)
    elif fmt == "xlsx":
        data = export.to_xlsx_bytes(scored, sheet=f"IFN {args.level}",
                                    metadata=metadata(options, args.level, customs))
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

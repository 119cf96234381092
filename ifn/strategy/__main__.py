"""``python -m ifn.strategy export|import``: journal of the strategy page from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ifn.cli import FrenchArgumentParser
from ifn.errors import IFNError, InputError


def main(argv: list[str] | None = None) -> int:
    parser = FrenchArgumentParser(prog="python -m ifn.strategy", description="Stratégie Mednum 2025 : export et import")
    sub = parser.add_subparsers(dest="action", metavar="action", required=True, parser_class=FrenchArgumentParser)
    exp = sub.add_parser("export", help="exporter le journal (csv, xlsx) ou la synthèse (html, md)")
    exp.add_argument("--out", required=True, metavar="CHEMIN", help="fichier de sortie (.csv, .xlsx, .html ou .md)")
    imp = sub.add_parser("import", help="importer des mesures / cibles (CSV indicateur;nature;valeur;date;source;commentaire)")
    imp.add_argument("fichier", metavar="FICHIER.csv")
    imp.add_argument("--author", required=True, help="auteur enregistré pour chaque entrée")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except IFNError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from ifn.strategy import report
    from ifn.strategy.content import load_strategy
    from ifn.strategy.storage import open_repository

    strategy, repo = load_strategy(), open_repository()
    if args.action == "import":
        path = Path(args.fichier)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"Import : le fichier « {path} » est illisible ({exc.strerror or exc}).") from None
        n = report.import_csv(repo, strategy, data, author=args.author, name=str(path))
        print(f"{n} ligne(s) importée(s).")
        return 0
    out = Path(args.out)
    entries = repo.entries()
    writers = {".csv": lambda: report.to_csv(strategy, entries), ".xlsx": lambda: report.to_xlsx(strategy, entries),
               ".html": lambda: report.summary_html(strategy, entries).encode("utf-8"),
               ".md": lambda: report.summary_markdown(strategy, entries).encode("utf-8")}
    if out.suffix not in writers:
        raise InputError(f"Extension « {out.suffix} » non prise en charge (.csv, .xlsx, .html ou .md).")
    out.write_bytes(writers[out.suffix]())
    print(f"Écrit : {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

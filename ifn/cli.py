"""Command line: ``python -m ifn <command>``.

Each command lives in ``ifn/commands/<name>.py`` and exposes
``add_parser(subparsers)`` and ``run(args) -> int``. An ``IFNError`` is printed
in French on stderr with exit code 2 (bad option or input) — never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from ifn.errors import IFNError

COMMANDS = ("build", "score")


class FrenchArgumentParser(argparse.ArgumentParser):
    """argparse with a French usage error and exit code 2."""

    def error(self, message: str) -> None:  # pragma: no cover - argparse glue
        self.print_usage(sys.stderr)
        self.exit(2, f"Erreur : option invalide — {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = FrenchArgumentParser(
        prog="python -m ifn", description="Indice de Fragilité Numérique (La Mednum)"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=FrenchArgumentParser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"ifn.commands.{name}")
        except ModuleNotFoundError:
            continue
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except IFNError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return 130

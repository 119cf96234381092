"""Command line: ``python -m ifn <command>``.

Each command lives in ``ifn/commands/<name>.py`` and exposes
``add_parser(subparsers)`` and ``run(args) -> int``. An ``IFNError`` is printed
in French on stderr with exit code 2 (bad option or input) — never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import re
import sys

from ifn.errors import IFNError

COMMANDS = ("build", "score", "priorites", "hash_password")


_TRANSLATIONS = (
    (re.compile(r"the following arguments are required: (.*)"), r"argument(s) obligatoire(s) manquant(s) : \1"),
    (re.compile(r"unrecognized arguments: (.*)"), r"argument(s) non reconnu(s) : \1"),
    (re.compile(r"argument (.*?): invalid choice: (.*?) \(choose from (.*)\)"),
     r"argument \1 : valeur invalide \2 (valeurs possibles : \3)"),
    (re.compile(r"argument (.*?): expected one argument"), r"argument \1 : une valeur est attendue"),
    (re.compile(r"argument (.*?): invalid (\w+) value: (.*)"), r"argument \1 : valeur invalide \3"),
    (re.compile(r"argument (.*?): not allowed with argument (.*)"), r"argument \1 : incompatible avec \2"),
    (re.compile(r"ambiguous option: (.*?) could match (.*)"), r"option ambiguë : \1 peut désigner \2"),
)


def french_message(message: str) -> str:
    """Translate argparse's English error messages (the ones this command line can produce)."""
    for pattern, replacement in _TRANSLATIONS:
        if pattern.fullmatch(message):
            return pattern.sub(replacement, message)
    return message


class FrenchHelpFormatter(argparse.HelpFormatter):
    """Usage line in French."""

    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix="utilisation : " if prefix is None else prefix)


class FrenchArgumentParser(argparse.ArgumentParser):
    """argparse with French help and usage errors, exit code 2."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", FrenchHelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._optionals.title = "options"
        self._positionals.title = "arguments"
        self.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")

    def error(self, message: str) -> None:  # pragma: no cover - argparse glue
        self.print_usage(sys.stderr)
        self.exit(2, f"Erreur : option invalide — {french_message(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = FrenchArgumentParser(
        prog="python -m ifn", description="Indice de Fragilité Numérique (La Mednum)"
    )
    sub = parser.add_subparsers(dest="command", metavar="commande", required=True, parser_class=FrenchArgumentParser)
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

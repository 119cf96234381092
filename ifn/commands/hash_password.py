"""``python -m ifn hash-password``: bcrypt hash of an editor's password for the strategy page."""

from __future__ import annotations

import getpass
import sys

from ifn.errors import InputError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "hash-password",
        help="calculer l'empreinte bcrypt d'un mot de passe d'éditeur (page Stratégie 2025)",
        description="Demande un mot de passe (deux fois) et affiche son empreinte bcrypt, à copier dans "
                    "[auth.editors] de .streamlit/secrets.toml ou dans IFN_EDITORS=utilisateur:empreinte.",
    )
    parser.add_argument("--user", default=None, help="identifiant : affiche « utilisateur:empreinte »")
    parser.add_argument("--stdin", action="store_true", help="lire le mot de passe sur l'entrée standard")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ifn.strategy.auth import hash_password

    if args.stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Mot de passe : ")
        if getpass.getpass("Confirmez : ") != password:
            raise InputError("Les deux mots de passe diffèrent.")
    if len(password) < 8:
        raise InputError("Mot de passe trop court (8 caractères au moins).")
    hashed = hash_password(password)
    print(f"{args.user}:{hashed}" if args.user else hashed)
    return 0

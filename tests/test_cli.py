"""Command-line glue: French usage errors, exit code 2."""

from __future__ import annotations

import pytest

from ifn import cli


@pytest.mark.parametrize(
    "argv, expected",
    [
        ([], "Erreur : option invalide — argument(s) obligatoire(s) manquant(s) : commande"),
        (["score", "--level", "pays", "--out", "x.csv"],
         "Erreur : option invalide — argument --level : valeur invalide 'pays' "
         "(valeurs possibles : 'commune', 'epci', 'departement', 'region', 'iris')"),
        (["score", "--out"], "Erreur : option invalide — argument --out : une valeur est attendue"),
        (["build", "--zz"], "Erreur : option invalide — argument(s) non reconnu(s) : --zz"),
    ],
)
def test_usage_errors_in_french(argv, expected, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("utilisation : python -m ifn")
    assert err.rstrip().splitlines()[-1] == expected


def test_help_in_french(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "affiche cette aide et quitte" in out and "show this help" not in out

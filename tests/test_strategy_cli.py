"""Command line: hash-password and python -m ifn.strategy export|import."""

from __future__ import annotations

import io

import bcrypt

from ifn import cli
from ifn.strategy.__main__ import main as strategy_main


def test_hash_password_from_stdin(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("un-long-secret\n"))
    assert cli.main(["hash-password", "--stdin", "--user", "alice"]) == 0
    user, hashed = capsys.readouterr().out.strip().split(":", 1)
    assert user == "alice" and bcrypt.checkpw(b"un-long-secret", hashed.encode())


def test_hash_password_too_short(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("court\n"))
    assert cli.main(["hash-password", "--stdin"]) == 2
    assert "trop court" in capsys.readouterr().err


def test_import_then_export(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("IFN_STRATEGY_DB", str(tmp_path / "c.sqlite"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("IFN_DATABASE_URL", raising=False)
    bad = tmp_path / "bad.csv"
    bad.write_text("indicateur;nature;valeur;date\next0_x;mesure;1;2023-01-01\n", encoding="utf-8")
    assert strategy_main(["import", str(bad), "--author", "alice"]) == 2
    assert "indicateur inconnu « ext0_x »" in capsys.readouterr().err
    good = tmp_path / "good.csv"
    good.write_text("indicateur;nature;valeur;date\next3_mentions_presse;mesure;9;2023-12-31\n", encoding="utf-8")
    assert strategy_main(["import", str(good), "--author", "alice"]) == 0
    out = tmp_path / "s.md"
    assert strategy_main(["export", "--out", str(out)]) == 0
    assert "| 3 articles | 9 articles | — | — | sans cible |" in out.read_text(encoding="utf-8")

"""Validated writes, auth, exports and import of the strategy."""

from __future__ import annotations

import datetime as dt
import io

import bcrypt
import openpyxl
import pytest

from ifn.errors import InputError
from ifn.strategy import auth, editing, report
from ifn.strategy.content import load_strategy
from ifn.strategy.storage import Repository

TODAY = dt.date(2024, 3, 1)


@pytest.fixture
def repo(tmp_path):
    return Repository(path=tmp_path / "e.sqlite")


@pytest.fixture(scope="module")
def strategy():
    return load_strategy()


def test_no_write_without_signing_in(repo, strategy):
    for author in (None, "", "  "):
        with pytest.raises(editing.NotSignedIn, match="Connectez-vous"):
            editing.record_measurement(repo, strategy, "ext1_societaires", "120", TODAY, author=author, today=TODAY)
        with pytest.raises(editing.NotSignedIn):
            editing.set_target(repo, strategy, "ext1_societaires", "150", author=author)
        with pytest.raises(editing.NotSignedIn):
            report.import_csv(repo, strategy, b"indicateur;nature;valeur;date\n", author=author)
    assert repo.entries() == []


@pytest.mark.parametrize("value, expected", [("125", 125.0), ("1 234,5", 1234.5), ("12.5", 12.5), ("30 %", 30.0), (7, 7.0)])
def test_numbers(value, expected, strategy):
    assert editing.parse_number(value, strategy.indicators["ext1_societaires"]) == expected


def test_bad_inputs_refused_in_french(repo, strategy):
    with pytest.raises(InputError, match="Valeur « douze » non numérique"):
        editing.record_measurement(repo, strategy, "ext1_societaires", "douze", TODAY, author="a", today=TODAY)
    with pytest.raises(InputError, match="postérieure à aujourd'hui"):
        editing.record_measurement(repo, strategy, "ext1_societaires", "12", dt.date(2024, 3, 2), author="a", today=TODAY)
    with pytest.raises(InputError, match="antérieure à 2016"):
        editing.record_measurement(repo, strategy, "ext1_societaires", "12", "2015-12-31", author="a", today=TODAY)
    with pytest.raises(InputError, match="« oui » ou « non »"):
        editing.record_measurement(repo, strategy, "int2_groupes_thematiques", "peut-être", TODAY, author="a", today=TODAY)
    with pytest.raises(InputError, match="Indicateur inconnu : « xyz »"):
        editing.set_target(repo, strategy, "xyz", "1", author="a")
    assert repo.entries() == []


def test_wrong_side_target_kept_with_warning(repo, strategy):
    result = editing.set_target(repo, strategy, "ext1_societaires", "100", author="a")
    assert "mauvais côté" in result.warning
    assert [e.value_num for e in repo.entries()] == [100.0]


def test_qualitative_and_text(repo, strategy):
    r = editing.record_measurement(repo, strategy, "ext1_enquete_notoriete", "oui", "2024-01-15", author="a",
                                   text="panel de 500 personnes", today=TODAY)
    assert r.entry.value_bool is True and r.entry.value_text == "panel de 500 personnes"


def test_auth_hashes_only(monkeypatch):
    hashed = bcrypt.hashpw(b"secret", bcrypt.gensalt(10)).decode()
    editors = auth.editors_from({"editors": {"bob": hashed}}, {"IFN_EDITORS": f"alice:{hashed}"})
    assert set(editors) == {"alice", "bob"}
    assert auth.check_password(editors, "alice", "secret")
    assert not auth.check_password(editors, "alice", "Secret")
    assert not auth.check_password(editors, "carol", "secret")
    assert not auth.check_password(editors, "alice", "")
    # plain passwords and malformed items are ignored (with a log warning), never raised to the page
    assert auth.editors_from({"editors": {"bob": "motdepasse"}}, {}) == {}
    assert auth.parse_env("alice=secret").hashes == {}
    assert auth.check_password({"x": auth.hash_password("pw", rounds=10)}, "x", "pw")
    assert auth.oidc_editor("Ana@Mednum.coop", ["ana@mednum.coop"]) and not auth.oidc_editor(None, ["a"])


def test_exports(repo, strategy):
    editing.set_target(repo, strategy, "ext1_societaires", "150", author="a")
    editing.record_measurement(repo, strategy, "ext1_societaires", "125", "2023-12-31", author="a",
                               comment="=HYPERLINK(\"x\")", today=TODAY)
    entries = repo.entries()
    csv_text = report.to_csv(strategy, entries).decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("indicateur;n;nature;valeur;date;auteur")
    assert "'=HYPERLINK" in csv_text and "documents sources" in csv_text
    book = openpyxl.load_workbook(io.BytesIO(report.to_xlsx(strategy, entries)))
    assert book.sheetnames == ["Journal", "Métadonnées"]
    assert book["Journal"].max_row == 1 + 12 + 2 + 4  # header + 12 references + 2 entries + 4 older member counts
    md = report.summary_markdown(strategy, entries, dt.date(2024, 1, 2))
    assert "| Nombre de sociétaires | 110 sociétaires | 125 sociétaires | 150 sociétaires | 37,5 % | à surveiller |" in md
    page = report.summary_html(strategy, entries, dt.date(2024, 1, 2))
    assert "<td>37,5 %</td><td>à surveiller</td>" in page


def test_html_is_escaped(repo, strategy, monkeypatch):
    from dataclasses import replace

    ind = strategy.indicators["ext1_societaires"]
    obj = replace(strategy.objectives[0], title="<script>alert(1)</script>",
                  indicators=(replace(ind, label="<b>x</b>"),))
    hacked = replace(strategy, objectives=(obj,))
    page = report.summary_html(hacked, [])
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_import_unknown_id_refuses_whole_file(repo, strategy):
    data = (b"indicateur;nature;valeur;date;source;commentaire\n"
            b"ext1_societaires;mesure;125;2023-12-31;registre;\n"
            b"ext9_inconnu;mesure;3;2023-12-31;;\n")
    with pytest.raises(InputError, match="ligne 3 : indicateur inconnu « ext9_inconnu »"):
        report.import_csv(repo, strategy, data, author="a", today=TODAY)
    assert repo.entries() == []
    good = (b"indicateur;nature;valeur;date;source;commentaire\n"
            b"ext1_societaires;mesure;125;2023-12-31;registre;\n"
            b"ext1_societaires;cible;150;;;vote du CA\n")
    assert report.import_csv(repo, strategy, good, author="a", today=TODAY) == 2
    assert [(e.kind, e.value_num) for e in repo.entries()] == [("mesure", 125.0), ("cible", 150.0)]

"""Analyst page (AppTest): state transitions on weights, uploads and presets."""

from __future__ import annotations

import pytest

from tests.analyse_app import opened
from tests.markdown_safety import shown

GOOD = ("code;travailleurs sociaux\n" + "\n".join(f"{c};{v}" for c, v in
        [("01001", "1,5"), ("1002", "2,5"), ("75105", "7"), ("13055", "4")]) + "\n").encode("latin-1")


@pytest.fixture
def page(built_cache, clear_streamlit_caches):
    return opened(180)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def ranking(at):
    return at.dataframe[0].value


def upload_indicator(at, name: str, content: bytes, accept: bool = False):
    at.file_uploader(key="an_upload").upload(name, content, "text/csv").run()
    if at.error:
        return at
    if accept:
        at.checkbox[[c.label for c in at.checkbox].index(
            "Utiliser le fichier même si certains codes ne correspondent à aucune commune")].check()
    [b for b in at.button if b.label == "Ajouter l'indicateur"][0].click().run()
    return at


def test_default_view_matches_default_index(page):
    assert metrics(page)["Corrélation de rang avec l'IFN par défaut (Spearman)"] == "1,000"
    # 1,256 EPCI, of which the 5 of Mayotte have no score (2 indicators of 5: no census, no Filosofi there)
    assert metrics(page)["Unités qui changent de classe"] == "0 sur 1251"
    table = ranking(page)
    assert len(table) == 1256
    assert (table["ifn"].dropna() == table["ifn_defaut"].dropna()).all()


def test_weight_change_moves_the_ranking(page):
    before = ranking(page)["code"].tolist()
    page.number_input(key="an_w_pauvrete").set_value(3.0)
    page.number_input(key="an_w_fibre").set_value(0.0)
    assert ranking(page)["code"].tolist() == before  # nothing applied before the form is submitted
    page.button[[b.label for b in page.button].index("Appliquer")].click().run()
    assert not page.exception and not page.error
    table = ranking(page)
    assert table["code"].tolist() != before
    assert (table["ifn"] - table["ifn_defaut"]).abs().max() > 0.5
    rho = float(metrics(page)["Corrélation de rang avec l'IFN par défaut (Spearman)"].replace(",", "."))
    assert 0.5 < rho < 1.0
    assert metrics(page)["Unités qui changent de classe"] != "0 sur 1251"


def test_upload_adds_a_column_and_a_weight(page):
    upload_indicator(page, "Travailleurs.csv", GOOD)
    assert not page.exception and not page.error
    assert any("Indicateur « Travailleurs » ajouté : 4 communes" in s.value for s in page.success)
    assert page.number_input(key="an_w_perso_travailleurs").value == 1.0
    table = ranking(page)
    assert "raw_perso_travailleurs" in table.columns
    assert metrics(page)["Unités qui changent de classe"] != "0 sur 1251"


def test_bad_file_shows_error_and_page_still_works(page):
    upload_indicator(page, "classeur.csv", b"PK\x03\x04binary")
    assert not page.exception
    assert "pas un fichier CSV" in shown(page.error[0].value)
    assert len(ranking(page)) == 1256
    upload_indicator(page, "doublons.csv", b"code;v\n01001;1\n01002;x\n")
    assert "Ligne 3 : la valeur « x »" in shown(page.error[0].value)
    # still usable: a weight change is applied
    page.number_input(key="an_w_couv4g").set_value(0.0)
    page.button[[b.label for b in page.button].index("Appliquer")].click().run()
    assert not page.exception
    assert metrics(page)["Corrélation de rang avec l'IFN par défaut (Spearman)"] != "1,000"


def test_unknown_codes_need_consent(page):
    content = b"code;v\n01001;1\n99999;2\n01002;3\n"
    upload_indicator(page, "local.csv", content)
    assert "99999 (ligne 3)" in page.warning[0].value
    assert "an_w_perso_local" not in [n.key for n in page.number_input]
    upload_indicator(page, "local.csv", content, accept=True)
    assert any("2 communes (1 code(s) inconnu(s) ignoré(s))" in s.value for s in page.success)
    assert page.number_input(key="an_w_perso_local").value == 1.0


def test_preset_upload_sets_the_weights(page):
    preset = b"[weights]\npauvrete = 2\ndiplome = 1\n[settings]\nmethod = 'decile'\n"
    page.file_uploader(key="an_preset_file").upload("p.toml", preset, "application/toml").run()
    assert not page.exception and not page.error
    assert page.number_input(key="an_w_pauvrete").value == 2.0
    assert page.number_input(key="an_w_fibre").value == 0.0
    assert page.selectbox(key="an_method").value == "decile"
    page.file_uploader(key="an_preset_file").set_value(("bad.toml", b"[weights]\nfoo = 1\n", "text/plain")).run()
    assert "Indicateur inconnu « foo »" in shown(page.error[0].value)

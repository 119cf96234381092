"""Analyst page (AppTest): what the user sees when settings drop scores, cap the minimum, change scale,
and when an upload carries arrondissement or pre-2026 codes; the upload limit agrees with Streamlit's."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from ifn.upload import MAX_BYTES
from tests.analyse_app import PAGE, apply, opened
from tests.markdown_safety import shown

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def page(built_cache, clear_streamlit_caches):
    return opened()


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(elements) -> list[str]:
    return [shown(e.value) for e in elements]


def test_ranking_shows_name_new_ifn_gap_and_rank_first(page):
    assert list(page.dataframe[0].proto.column_order)[:4] == ["nom", "ifn", "ecart", "rang"]
    assert not page.warning  # the default settings drop no score


def test_excluding_indicators_says_which_units_lose_their_score(page):
    page.number_input(key="an_w_fibre").set_value(0.0)
    page.number_input(key="an_w_couv4g").set_value(0.0)
    apply(page)
    # 10 EPCI of the DROM have no value of the three remaining indicators (computed from the cache:
    # ifn.analysis.score_coverage on the EPCI level); they are not « changes of class ».
    warning = texts(page.warning)[0]
    assert warning.startswith("10 unité(s) perdent leur score avec vos réglages : CA CAP Excellence (200018653)")
    assert "Elles ne sont pas comptées dans les changements de classe." in warning
    changed, total = metrics(page)["Unités qui changent de classe"].split(" sur ")
    assert int(total) == 1256 - 5 - 10  # scored by both (5 EPCI of Mayotte have no default score)


def test_minimum_above_the_weighted_indicators_is_said(page):
    widget = page.number_input(key="an_min")
    assert widget.max == 14  # 5 + 9 indicators of the variant, no custom one
    widget.set_value(14)
    apply(page)
    assert ("Nombre minimal d'indicateurs ramené de 14 à 5 : seuls 5 indicateurs ont un poids non nul (un "
            "territoire ne peut pas en avoir plus).") in texts(page.info)


def test_base100_histogram_has_one_scale(page):
    page.selectbox(key="an_method").set_value("base100")
    apply(page)
    chart = page.get("arrow_vega_lite_chart") or page.get("vega_lite_chart")
    assert any("pas sur la même échelle" in c for c in texts(page.caption))
    assert list(page.dataframe[0].proto.column_order)[:3] == ["nom", "ifn", "rang"]  # no gap across scales
    assert chart is not None


def upload(at, content: bytes, combine: str | None = None):
    at.file_uploader(key="an_upload").upload("perso.csv", content, "text/csv").run()
    if combine:
        at.radio(key="an_combine").set_value(combine)
    [b for b in at.button if b.label == "Ajouter l'indicateur"][0].click().run()
    assert not at.exception
    return at


def test_arrondissements_and_former_codes_attached_with_notices(page):
    data = b"code;v\n75101;10\n75102;20\n91182;3\n01001;1\n"
    upload(page, data)
    assert "choisissez d'additionner ou de moyenner" in texts(page.error)[0]
    upload(page, data, "sum")
    assert not page.error
    assert any(s.startswith("Indicateur « perso » ajouté : 3 communes") for s in texts(page.success))
    infos = texts(page.info)
    assert "2 code(s) d'arrondissement rattaché(s) à leur commune : 75101 → 75056, 75102 → 75056." in infos
    assert "1 code(s) d'avant 2026 rattaché(s) à leur commune de 2026 : 91182 → 91228." in infos
    assert "Valeurs additionnées pour 1 commune(s) données sur plusieurs lignes : 75056 (2 lignes)." in infos


def test_one_upload_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == MAX_BYTES
    calls = [n for n in ast.walk(ast.parse(Path(PAGE).read_text(encoding="utf-8")))
             if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "file_uploader"]
    sizes = {k.arg: ast.unparse(k.value) for c in calls for k in c.keywords if k.arg == "max_upload_size"}
    assert sizes == {"max_upload_size": "MAX_UPLOAD_MB"}


def test_downloads_never_rerun_the_page():
    # a rerun re-registers the deferred files: the next click would hold a stale id
    calls = [n for n in ast.walk(ast.parse(Path(PAGE).read_text(encoding="utf-8")))
             if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "download_button"]
    assert len(calls) == 3
    assert all(any(k.arg == "on_click" and ast.literal_eval(k.value) == "ignore" for k in c.keywords) for c in calls)


def test_region_level_shows_the_region_of_the_chosen_departement(page):
    page.selectbox(key="an_level").set_value("region")
    page.selectbox(key="an_dep").set_value("2B")
    apply(page)
    assert page.dataframe[0].value["code"].tolist() == ["94"]
    page.selectbox(key="an_level").set_value("departement")
    apply(page)
    assert page.dataframe[0].value["code"].tolist() == ["2B"]

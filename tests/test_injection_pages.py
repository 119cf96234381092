"""Content injection (AppTest, one parametrised case per page and entry point).

Each payload of ``tests.markdown_safety.PAYLOADS`` is sent where a visitor controls text — shared-link
parameters, cells, names and labels of uploaded files and presets, strategy values, comments and
imports, the editors setting — and no rendered element may draw an image, a link or HTML from it.
"""

from __future__ import annotations

from pathlib import Path

import bcrypt
import pytest
from streamlit.testing.v1 import AppTest

from tests.markdown_safety import PAYLOADS, injected, quoted

PAGES = Path(__file__).resolve().parent.parent / "pages"
HASH = bcrypt.hashpw(b"motdepasse", bcrypt.gensalt(10)).decode()
GOOD = b"code;v\n01001;1,5\n01002;2,5\n01004;7\n"


def check(at) -> None:
    assert not at.exception, at.exception
    assert quoted(at), "the payload should be shown (as text)"
    assert injected(at) == []


# ------------------------------------------------------------------ map page: shared links
@pytest.fixture()
def carte(built_cache, clear_streamlit_caches):
    return AppTest.from_file(str(PAGES / "carte.py"), default_timeout=120)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("params", ["carte,variante,classes,code", "niveau,code", "code"])
def test_carte_link_parameters(carte, payload, params):
    for name in params.split(","):
        carte.query_params[name] = payload
    if params.endswith("classes,code"):
        carte.query_params["niveau"] = "epci"
    carte.run()
    check(carte)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_carte_comparison_parameter_and_search_box(carte, payload):
    carte.query_params["comparer"] = f"commune:{payload},departement:29"
    carte.run()
    check(carte)
    carte.text_input(key="carte_recherche").input(payload).run()
    check(carte)


# ------------------------------------------------------------------ analyst page: uploads and presets
@pytest.fixture()
def analyse(built_cache, clear_streamlit_caches):
    at = AppTest.from_file(str(PAGES / "analyse.py"), default_timeout=180).run()
    assert not at.exception
    return at


def _add(at, name: str, content: bytes, label: str | None = None):
    at.file_uploader(key="an_upload").upload(name, content, "text/csv").run()
    if label is not None:
        at.text_input[[t.label for t in at.text_input].index("Nom de l'indicateur")].set_value(label)
    [b for b in at.button if b.label == "Ajouter l'indicateur"][0].click().run()
    return at


@pytest.mark.parametrize("payload", PAYLOADS)
def test_analyse_upload_cell(analyse, payload):
    _add(analyse, "local.csv", f"code;v\n01001;1\n01002;{payload}\n".encode())
    check(analyse)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_analyse_upload_header_and_row(analyse, payload):
    analyse.file_uploader(key="an_upload").upload("l.csv", f"code;v\n01001;1;{payload}\n".encode(), "text/csv").run()
    check(analyse)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_analyse_user_indicator_label(analyse, payload):
    _add(analyse, "local.csv", GOOD, label=payload)
    check(analyse)
    assert len(analyse.number_input) > 11  # the indicator was added with its weight


@pytest.mark.parametrize("payload", PAYLOADS)
def test_analyse_preset_labels_and_name(analyse, payload):
    preset = (f'[weights]\nfibre = 1.0\nperso_x = 1.0\n[custom.perso_x]\nlabel = "{payload}"\n'
              f'direction = "plus_haut_plus_fragile"\nfile = "{payload}.csv"\n').encode()
    analyse.file_uploader(key="an_preset_file").upload(f"{payload}.toml", preset, "application/toml").run()
    check(analyse)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_analyse_preset_error(analyse, payload):
    analyse.file_uploader(key="an_preset_file").upload(
        "p.toml", f'[weights]\n"{payload}" = 1.0\n'.encode(), "application/toml").run()
    check(analyse)


# ------------------------------------------------------------------ strategy page
@pytest.fixture
def strategie(tmp_path, monkeypatch):
    monkeypatch.setenv("IFN_STRATEGY_DB", str(tmp_path / "strategie.sqlite"))
    monkeypatch.setenv("IFN_EDITORS", f"alice:{HASH}")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("IFN_DATABASE_URL", raising=False)

    def start(signed_in: bool = True) -> AppTest:
        at = AppTest.from_file(str(PAGES / "strategie.py"), default_timeout=60).run()
        if signed_in:
            at.text_input(key="st_user").set_value("alice")
            at.text_input(key="st_password").set_value("motdepasse")
            at.button(key="st_login_btn").click().run()
            at.selectbox(key="st_indicator").set_value("ext1_societaires").run()
        return at
    return start


@pytest.mark.parametrize("payload", PAYLOADS)
def test_strategie_value(strategie, payload):
    at = strategie()
    at.text_input(key="st_value").set_value(payload)
    at.button(key="st_save_measure").click().run()
    check(at)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_strategie_target(strategie, payload):
    at = strategie()
    at.text_input(key="st_target").set_value(payload)
    at.button(key="st_save_target").click().run()
    check(at)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_strategie_import(strategie, payload):
    at = strategie()
    content = f"indicateur;nature;valeur;date;source;commentaire\n{payload};mesure;1;2024-01-01;;\n".encode()
    at.file_uploader(key="st_import").upload("i.csv", content, "text/csv").run()
    at.button(key="st_import_btn").click().run()
    check(at)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_strategie_editors_setting_is_never_shown(strategie, monkeypatch, payload):
    monkeypatch.setenv("IFN_EDITORS", payload)
    at = strategie(signed_in=False)
    assert not at.exception
    assert injected(at) == [] and quoted(at) == []

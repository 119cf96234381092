"""A preset saved from the analyst page gives the same scores with ``python -m ifn score --weights``.

The round trip covers weights, indicator selection (weight 0 = excluded, axis-2 indicators weighted),
variant, method, base-100 reference, imputation and the minimum number of indicators. A preset with
a session-uploaded indicator (``[custom.<id>]`` + ``--extra``) is covered by ``tests/test_cli_extra.py``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from ifn.cache import load_communes
from ifn.cli import main
from ifn.presets import dump_preset, load_preset
from ifn.score import ScoreOptions, prepare_levels
from ifn.sensitivity import level_ifn

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "analyse.py")
ZERO_CONTEXT = {i: 0.0 for i in ("menseul", "fammono", "chomage", "etrangers", "dist_bibliotheque", "dist_france_services")}


def cli_scores(tmp_path: Path, preset: str, level: str) -> dict[str, float | None]:
    weights = tmp_path / "preset.toml"
    weights.write_text(preset, encoding="utf-8")
    out = tmp_path / "out.parquet"
    assert main(["score", "--level", level, "--weights", str(weights), "--out", str(out)]) == 0
    frame = pl.read_parquet(out)
    return dict(zip(frame["code"], frame["ifn"]))


@pytest.mark.parametrize("options", [
    ScoreOptions(weights={"fibre": 1, "couv4g": 0, "age65": 1, "diplome": 1, "pauvrete": 2, **ZERO_CONTEXT,
                          "etrangers": 0.5}),
    ScoreOptions(weights={"fibre": 1, "couv4g": 1, "age65": 2, "diplome": 1, "pauvrete": 1, **ZERO_CONTEXT},
                 method="decile", impute=False, min_indicators=4),
    ScoreOptions(weights={"fibre": 1, "couv4g": 1, "age65": 1, "diplome": 0, "pauvrete": 1, **ZERO_CONTEXT},
                 method="base100", reference="reg"),
])
def test_preset_reproduces_page_scores(built_cache, tmp_path, options):
    preset = dump_preset(options)
    assert load_preset(preset.encode()) == options
    page = level_ifn(prepare_levels(load_communes(), options), "epci", options.weights, options.min_indicators)
    expected = dict(zip(page["code"], page["ifn"]))
    assert cli_scores(tmp_path, preset, "epci") == expected  # exact equality, nulls included


def test_page_ranking_equals_command_line(built_cache, clear_streamlit_caches, tmp_path):
    at = AppTest.from_file(PAGE, default_timeout=180).run()
    at.number_input(key="an_w_pauvrete").set_value(2.0)
    at.number_input(key="an_w_couv4g").set_value(0.0)
    at.number_input(key="an_w_chomage").set_value(1.0)
    at.selectbox(key="an_method").set_value("minmax")
    at.checkbox(key="an_impute").uncheck()
    at.button[[b.label for b in at.button].index("Appliquer")].click().run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    page = {c: (None if v != v else v) for c, v in zip(table["code"], table["ifn"])}
    options = ScoreOptions(weights={"fibre": 1, "couv4g": 0, "age65": 1, "diplome": 1, "pauvrete": 2,
                                    **ZERO_CONTEXT, "chomage": 1.0}, method="minmax", impute=False)
    assert cli_scores(tmp_path, dump_preset(options), "epci") == page

"""``python -m ifn score``: synthetic cache for options and errors, real cache for every level and format."""

import io
import json

import openpyxl
import polars as pl
import pytest

from ifn.cli import main


def read_csv(path):
    """Every column as text (codes keep their zeros), ``ifn`` back to a number."""
    df = pl.read_csv(path, separator=";", infer_schema=False)
    return df.with_columns(pl.col("ifn").str.replace(",", ".", literal=True).cast(pl.Float64))


def test_default_csv(synthetic_cache, capsys):
    out = synthetic_cache / "ifn.csv"
    assert main(["score", "--out", str(out), "--no-impute"]) == 0
    df = read_csv(out)
    assert df["code"].to_list() == ["01001", "01002", "01003", "01004", "01005"]
    assert df["ifn"].to_list()[:4] == pytest.approx([4.0, 3.25, 4.48, 6.7])
    for i in ("fibre", "couv4g", "age65", "diplome", "pauvrete"):
        assert {f"raw_{i}", f"score_{i}", f"imputed_{i}"} <= set(df.columns)
    assert {"code", "nom", "population", "ifn"} <= set(df.columns)
    assert "4 avec un IFN, 1 sans score" in capsys.readouterr().out


def test_weights_file_and_indicators(synthetic_cache):
    weights = synthetic_cache / "w.toml"
    weights.write_text("[weights]\nfibre = 2\ncouv4g = 1\nage65 = 1\ndiplome = 1\npauvrete = 1\n"
                       "[settings]\nimpute = false\n", encoding="utf-8")
    out = synthetic_cache / "w.parquet"
    assert main(["score", "--weights", str(weights), "--out", str(out)]) == 0
    assert pl.read_parquet(out)["ifn"].to_list()[:4] == pytest.approx([3.25, 3.4, 4.9, 7.25])
    out2 = synthetic_cache / "i.parquet"
    assert main(["score", "--indicators", "fibre,couv4g", "--no-impute", "--out", str(out2)]) == 0
    assert pl.read_parquet(out2)["ifn"].to_list()[:4] == pytest.approx([5.5] * 4)


def test_levels_and_methods(synthetic_cache):
    out = synthetic_cache / "e.parquet"
    assert main(["score", "--level", "epci", "--method", "decile", "--out", str(out)]) == 0
    assert pl.read_parquet(out)["code"].to_list() == ["E1", "E2"]
    assert main(["score", "--method", "base100", "--reference", "dep:01", "--out", str(out)]) == 0
    assert pl.read_parquet(out)["score_fibre"][0] == pytest.approx(40.0)


@pytest.mark.parametrize("args, message", [
    (["--indicators", "fibre,inconnu"], "Indicateur inconnu « inconnu »"),
    (["--weights", "{dir}/negatif.toml"], "vaut « -1 »"),
    (["--weights", "{dir}/zero.toml"], "Tous les poids sont nuls"),
    (["--weights", "{dir}/casse.toml"], "pas un TOML valide"),
    (["--weights", "{dir}/absent.toml"], "introuvable"),
    (["--method", "base100", "--reference", "pays"], "Territoire de référence inconnu"),
    (["--variant", "ado"], "Variante inconnue"),
    (["--format", "pdf"], "option invalide"),
])
def test_bad_options_exit_2_in_french(synthetic_cache, capsys, args, message):
    (synthetic_cache / "negatif.toml").write_text("[weights]\nfibre = -1\n", encoding="utf-8")
    (synthetic_cache / "zero.toml").write_text("[weights]\nfibre = 0\ncouv4g = 0\n", encoding="utf-8")
    (synthetic_cache / "casse.toml").write_text("[weights\nfibre = 1\n", encoding="utf-8")
    args = [a.replace("{dir}", str(synthetic_cache)) for a in args]
    with pytest.raises(SystemExit) if "--format" in args else _noop():
        code = main(["score", *args, "--out", str(synthetic_cache / "x.csv")])
        assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


class _noop:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("level, count", [("commune", 34875), ("epci", 1256), ("departement", 101), ("region", 18)])
def test_real_cache_every_level_csv(built_cache, tmp_path, level, count):
    out = tmp_path / f"{level}.csv"
    assert main(["score", "--level", level, "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    df = read_csv(out)
    assert df.height == count and df["code"].n_unique() == count
    ifn = df["ifn"].drop_nulls()
    assert ifn.min() >= 1 and ifn.max() <= 10


def test_real_cache_other_formats(built_cache, tmp_path):
    geo = tmp_path / "reg.geojson"
    assert main(["score", "--level", "region", "--format", "geojson", "--out", str(geo)]) == 0
    data = json.loads(geo.read_text(encoding="utf-8"))
    assert len(data["features"]) == 18 and all(f["geometry"] for f in data["features"])
    xlsx = tmp_path / "dep.xlsx"
    assert main(["score", "--level", "departement", "--out", str(xlsx)]) == 0
    book = openpyxl.load_workbook(io.BytesIO(xlsx.read_bytes()), read_only=True)
    assert book.sheetnames == ["IFN departement", "Métadonnées"]
    parquet = tmp_path / "epci.parquet"
    assert main(["score", "--level", "epci", "--out", str(parquet)]) == 0
    assert pl.read_parquet(parquet).height == 1256

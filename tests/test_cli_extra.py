"""``python -m ifn score --weights PRESET --extra ID=FICHIER.csv``: a user indicator on the command line.

Synthetic cache (``tests.test_score.synthetic_communes``) for hand-computed values and refusals; the
real cache for the round trip analyst page (AppTest: upload, weight, preset download) → command line.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from ifn.cli import main
from ifn.presets import CustomSpec
from tests.markdown_safety import shown

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "analyse.py")

# Latin-1, ";" and decimal comma; a 4-digit code (1001 → 01001); 99999 is no commune.
# "Effectif" would be the guessed value column: the preset names "Taux équipé".
TINY_CSV = ("Code INSEE;Libellé;Effectif;Taux équipé\n"
            "1001;Ambérieu;10;1\n01002;B;20;2,0\n01003;C;30;2\n01004;D;40;3\n01005;E;50;5\n99999;X;60;7\n"
            ).encode("latin-1")
TINY_PRESET = """[weights]
fibre = 1
perso_taux = 2

[settings]
impute = false

[custom.perso_taux]
label = "Taux"
direction = "plus_haut_moins_fragile"
code_column = "Code INSEE"
value_column = "Taux équipé"
file = "taux.csv"
"""


@pytest.fixture
def tiny(synthetic_cache):
    tmp_path = synthetic_cache
    (tmp_path / "taux.csv").write_bytes(TINY_CSV)
    (tmp_path / "preset.toml").write_text(TINY_PRESET, encoding="utf-8")
    return tmp_path


def read_csv(path: Path) -> pl.DataFrame:
    """The command line's French CSV back to numbers (codes as text)."""
    frame = pl.read_csv(path, separator=";", infer_schema=False)
    numeric = [c for c in frame.columns if c == "ifn" or c.startswith(("raw_", "score_"))]
    return frame.with_columns(pl.col(c).str.replace(",", ".", literal=True).cast(pl.Float64) for c in numeric)


def run(tmp: Path, *extra: str, preset: str = "preset.toml", out: str = "out.csv") -> int:
    return main(["score", "--weights", str(tmp / preset), *extra, "--out", str(tmp / out)])


def test_hand_computed_scores(tiny, capsys):
    assert run(tiny, "--extra", f"perso_taux={tiny / 'taux.csv'}") == 0
    captured = capsys.readouterr()
    assert "Indicateur personnel « perso_taux » (Taux) : 5 communes lues" in captured.out
    assert "(latin-1, séparateur point-virgule)" in captured.out
    assert captured.err == (f"Attention : 1 code(s) du fichier « {tiny / 'taux.csv'} » (indicateur « perso_taux ») "
                            f"ne correspondent à aucune commune (COG 2026) et sont ignorés : 99999 (ligne 7) ; les 5 "
                            f"autres valeurs sont utilisées.\n")
    out = read_csv(tiny / "out.csv")
    assert out["code"].to_list() == ["01001", "01002", "01003", "01004", "01005"]
    # "plus haut = moins fragile": 1, 2, 2, 3, 5 → min + max − x = 5, 4, 4, 3, 1
    assert out["raw_perso_taux"].to_list() == [5.0, 4.0, 4.0, 3.0, 1.0]
    # rank: F = 0.9, 0.6, 0.6, 0.3, 0.1 → s = 1 + 9 (F − 0.1) / 0.8
    assert out["score_perso_taux"].to_list() == pytest.approx([10, 6.625, 6.625, 3.25, 1])
    # fibre 1, 4, 7, 10, null; IFN = (fibre + 2·perso) / 3; 2 indicators retained → both required (01005 has no fibre)
    assert out["ifn"].to_list()[:4] == pytest.approx([7.0, 5.75, 6.75, 5.5])
    assert out["ifn"][4] is None


def test_bare_file_when_one_custom_indicator(tiny):
    assert run(tiny, "--extra", str(tiny / "taux.csv"), out="a.csv") == 0
    assert run(tiny, "--extra", f"perso_taux={tiny / 'taux.csv'}", out="b.csv") == 0
    assert read_csv(tiny / "a.csv").equals(read_csv(tiny / "b.csv"))


def test_guessed_columns_when_the_preset_names_none(tiny):
    preset = TINY_PRESET.replace('code_column = "Code INSEE"\nvalue_column = "Taux équipé"\n', "")
    (tiny / "guess.toml").write_text(preset, encoding="utf-8")
    assert run(tiny, "--extra", str(tiny / "taux.csv"), preset="guess.toml") == 0
    # the page's guess: "Effectif" 10…50, reflected → 50, 40, 30, 20, 10
    assert read_csv(tiny / "out.csv")["raw_perso_taux"].to_list() == [50.0, 40.0, 30.0, 20.0, 10.0]


def test_unweighted_custom_indicator_needs_no_file(tiny):
    (tiny / "zero.toml").write_text(TINY_PRESET.replace("perso_taux = 2", "perso_taux = 0"), encoding="utf-8")
    assert run(tiny, preset="zero.toml") == 0
    out = read_csv(tiny / "out.csv")
    assert "raw_perso_taux" not in out.columns
    assert out["ifn"].to_list()[:4] == pytest.approx([1, 4, 7, 10])
    assert run(tiny, "--extra", str(tiny / "taux.csv"), preset="zero.toml", out="with.csv") == 0
    assert read_csv(tiny / "with.csv")["raw_perso_taux"].to_list() == [5.0, 4.0, 4.0, 3.0, 1.0]


def test_xlsx_metadata_lists_the_custom_indicator(tiny):
    assert run(tiny, "--extra", str(tiny / "taux.csv"), out="out.xlsx") == 0
    book = openpyxl.load_workbook(io.BytesIO((tiny / "out.xlsx").read_bytes()))
    meta = dict(book["Métadonnées"].iter_rows(min_row=2, values_only=True))
    assert meta["Indicateurs personnels"] == "perso_taux (Taux, plus_haut_moins_fragile, fichier taux.csv, 5 valeurs)"
    assert meta["Poids"] == "fibre = 1, perso_taux = 2"


TWO_CUSTOMS = TINY_PRESET + '\n[custom.perso_b]\nlabel = "B"\ndirection = "plus_haut_plus_fragile"\n'


@pytest.mark.parametrize("preset, args, files, message", [
    (TINY_PRESET, [], {}, "Le fichier de poids donne le poids 2 à l'indicateur personnel « perso_taux » (Taux, "
                          "fichier d'origine « taux.csv ») : donnez son fichier CSV avec --extra "
                          "perso_taux=FICHIER.csv."),
    (TINY_PRESET, ["--extra", "perso_autre=taux.csv"], {},
     "--extra « perso_autre=taux.csv » : l'indicateur « perso_autre » n'est pas décrit dans le fichier de poids"),
    (TWO_CUSTOMS, ["--extra", "taux.csv"], {}, "le fichier de poids décrit 2 indicateurs personnels (perso_taux, "
                                               "perso_b) : précisez lequel avec --extra <id>=FICHIER.csv"),
    (TINY_PRESET, ["--extra", "perso_taux=a.csv", "--extra", "perso_taux=b.csv"], {},
     "deux fichiers pour l'indicateur « perso_taux »"),
    ("[weights]\nfibre = 1\n", ["--extra", "taux.csv"], {}, "le fichier de poids ne décrit aucun indicateur personnel"),
    (TINY_PRESET, ["--extra", "perso_taux=absent.csv"], {}, "--extra perso_taux : le fichier « absent.csv » est "
                                                            "introuvable."),
    (TINY_PRESET, ["--extra", "d.csv"], {"d.csv": b"Code INSEE;Taux \xe9quip\xe9\n01001;1\n1001;2\n"},
     "Fichier « d.csv » (indicateur « perso_taux ») : Lignes 2 et 3 : le code commune « 01001 » apparaît "
     "deux fois."),
    (TINY_PRESET, ["--extra", "n.csv"], {"n.csv": b"Code INSEE;Taux \xe9quip\xe9\n01001;1\n01002;beaucoup\n"},
     "Ligne 3 : la valeur « beaucoup » (colonne « Taux équipé », code 01002) n'est pas un nombre."),
    (TINY_PRESET, ["--extra", "c.csv"], {"c.csv": b"Code INSEE;Taux\n01001;1\n"},
     "La colonne « Taux équipé » n'existe pas : colonnes du fichier : Code INSEE, Taux."),
    (TINY_PRESET, ["--extra", "x.csv"], {"x.csv": b"PK\x03\x04binary"}, "n'est pas un fichier CSV"),
    (TINY_PRESET, ["--extra", "u.csv"], {"u.csv": b"Code INSEE;Taux \xe9quip\xe9\n99998;1\n99999;2\n"},
     "Aucun code du fichier ne correspond à une commune (COG 2026) : 99998, 99999."),
])
def test_refusals_exit_2_in_french(tiny, capsys, monkeypatch, preset, args, files, message):
    monkeypatch.chdir(tiny)
    (tiny / "p.toml").write_text(preset, encoding="utf-8")
    for name, content in files.items():
        (tiny / name).write_bytes(content)
    assert main(["score", "--weights", "p.toml", *args, "--out", "out.csv"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Erreur : ") and message in err
    assert "Traceback" not in err
    assert not (tiny / "out.csv").exists()


def test_extra_needs_weights(tiny, capsys):
    assert main(["score", "--extra", str(tiny / "taux.csv"), "--out", str(tiny / "out.csv")]) == 2
    assert "--extra demande --weights" in capsys.readouterr().err


def test_extra_files_is_pure():
    from ifn.commands.score import extra_files

    specs = (CustomSpec("perso_a", "A", "plus_haut_plus_fragile"), CustomSpec("perso_b", "B", "plus_haut_plus_fragile"))
    assert extra_files(["perso_b=x=y.csv", "perso_a=a.csv"], specs) == {"perso_b": Path("x=y.csv"),
                                                                        "perso_a": Path("a.csv")}
    assert extra_files(["dossier/a=b.csv"], specs[:1]) == {"perso_a": Path("dossier/a=b.csv")}
    assert extra_files([], ()) == {}


# --- Round trip: analyst page → preset → command line (real cache) ------------------------------

VALUE_COLUMN = "Taux équipé"


def belfort_csv() -> bytes:
    """Every commune of the Territoire de Belfort (90) with a hand-chosen value, plus a Paris
    arrondissement (→ 75056), an empty cell (imputed) and an unknown code (99999)."""
    codes = pl.read_parquet(ROOT / "data" / "cache" / "communes.parquet", columns=["code", "dep"]).filter(
        pl.col("dep") == "90")["code"].sort().to_list()
    assert len(codes) == 101
    lines = ["Code INSEE;Commune;Effectif;" + VALUE_COLUMN]
    for n, code in enumerate(codes):
        value = "" if code == "90010" else f"{(n * 37) % 101},{n % 10}"
        lines.append(f"{code};Commune n° {n};{n};{value}")
    lines += ["75105;Paris 5e arrondissement;500;12,5", "99999;Inconnue;0;3,0"]
    return ("\n".join(lines) + "\n").encode("latin-1")


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """Files offered by the page's download buttons (static data), by file name."""
    files: dict[str, bytes] = {}
    original = MediaFileManager.add

    def add(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        if file_name:
            files[file_name] = path_or_data.encode() if isinstance(path_or_data, str) else path_or_data
        return original(self, path_or_data, mimetype, coordinates, file_name=file_name,
                        is_for_static_download=is_for_static_download)

    monkeypatch.setattr(MediaFileManager, "add", add)
    return files


def page_scores(at) -> dict[str, float | None]:
    table = at.dataframe[0].value
    return {c: (None if v != v else float(v)) for c, v in zip(table["code"], table["ifn"])}


def cli_scores(tmp_path: Path, preset: bytes, data: bytes, level: str, capture: bool = False):
    (tmp_path / "ifn_reglages.toml").write_bytes(preset)
    (tmp_path / "equipements.csv").write_bytes(data)
    out = tmp_path / f"ifn-{level}.csv"
    done = subprocess.run(
        [sys.executable, "-m", "ifn", "score", "--level", level, "--weights", str(tmp_path / "ifn_reglages.toml"),
         "--extra", f"perso_equipements_belfort={tmp_path / 'equipements.csv'}", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    frame = read_csv(out)
    return {c: v for c, v in zip(frame["code"], frame["ifn"])}, done


def test_page_preset_and_file_give_the_same_scores_on_the_command_line(built_cache, clear_streamlit_caches,
                                                                      downloads, tmp_path):
    data = belfort_csv()
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    at.file_uploader(key="an_upload").upload("Équipements Belfort.csv", data, "text/csv").run()
    assert not at.exception and not at.error
    at.selectbox[[s.label for s in at.selectbox].index("Colonne de la valeur")].set_value(VALUE_COLUMN)
    at.radio[[r.label for r in at.radio].index("Sens")].set_value("plus_haut_moins_fragile")
    at.number_input[[n.label for n in at.number_input].index("Poids dans l'indice")].set_value(2.0)
    at.checkbox[[c.label for c in at.checkbox].index(
        "Utiliser le fichier même si certains codes ne correspondent à aucune commune")].check()
    [b for b in at.button if b.label == "Ajouter l'indicateur"][0].click().run()
    assert not at.exception and not at.error
    added = "Indicateur « Équipements Belfort » ajouté : 102 communes (1 code(s) inconnu(s) ignoré(s))"
    assert any(added in shown(s.value) for s in at.success)
    at.number_input(key="an_w_couv4g").set_value(0.0)
    at.number_input(key="an_w_chomage").set_value(1.0)
    at.button[[b.label for b in at.button].index("Appliquer")].click().run()
    assert not at.exception and not at.error
    assert at.number_input(key="an_w_perso_equipements_belfort").value == 2.0
    assert any("--extra perso_equipements_belfort=Équipements Belfort.csv" in shown(i.value) for i in at.info)

    preset = downloads["ifn_reglages.toml"]
    text = preset.decode("utf-8")
    assert "perso_equipements_belfort = 2.0" in text and "couv4g = 0.0" in text and "chomage = 1.0" in text
    assert ('[custom.perso_equipements_belfort]\nlabel = "Équipements Belfort"\n'
            'direction = "plus_haut_moins_fragile"\ncode_column = "Code INSEE"\n'
            f'value_column = "{VALUE_COLUMN}"\nfile = "Équipements Belfort.csv"\n') in text

    page = page_scores(at)
    assert len(page) == 1256
    cli, done = cli_scores(tmp_path, preset, data, "epci")
    assert "102 communes lues" in done.stdout and "arrondissement(s) rattaché(s) : 1" in done.stdout
    assert "99999 (ligne 104)" in done.stderr
    assert cli == page  # exact equality for every EPCI, nulls included
    # the indicator moves the Belfort EPCI (the default index is the other column of the page)
    table = at.dataframe[0].value.set_index("code")
    assert (table.loc["249000241", "ifn"] != table.loc["249000241", "ifn_defaut"])

    at.selectbox(key="an_level").set_value("commune")
    at.button[[b.label for b in at.button].index("Appliquer")].click().run()
    assert not at.exception and not at.error
    page = page_scores(at)
    assert len(page) == 34875
    cli, _ = cli_scores(tmp_path, downloads["ifn_reglages.toml"], data, "commune")
    assert cli == page


def test_page_loads_a_preset_with_custom_tables(built_cache, clear_streamlit_caches):
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    preset = (b'[weights]\nfibre = 1\nperso_absent = 2\nperso_tiny = 3\n'
              b'[custom.perso_absent]\nlabel = "Absent"\ndirection = "plus_haut_plus_fragile"\nfile = "absent.csv"\n'
              b'[custom.perso_tiny]\nlabel = "Tiny"\ndirection = "plus_haut_plus_fragile"\n')
    at.file_uploader(key="an_upload").upload("Tiny.csv", b"code;v\n01001;1\n01002;3\n", "text/csv").run()
    [b for b in at.button if b.label == "Ajouter l'indicateur"][0].click().run()
    assert at.number_input(key="an_w_perso_tiny").value == 1.0
    at.file_uploader(key="an_preset_file").upload("p.toml", preset, "application/toml").run()
    assert not at.exception and not at.error
    assert at.number_input(key="an_w_perso_tiny").value == 3.0
    assert at.number_input(key="an_w_couv4g").value == 0.0
    assert shown(at.warning[0].value).startswith("Le préréglage pondère des indicateurs personnels absents de votre "
                                          "session : « Absent » (fichier « absent.csv »).")

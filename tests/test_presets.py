"""Weight presets (TOML) shared by the CLI and the analyst page."""

import polars as pl
import pytest

from ifn.errors import InputError
from ifn.presets import CustomSpec, Preset, dump_preset, load_preset, read_preset
from ifn.score import ScoreOptions
from ifn.upload import CustomIndicator


def test_round_trip(tmp_path):
    options = ScoreOptions(weights={"fibre": 2.0, "pauvrete": 1.0, "menseul": 0.5}, method="base100",
                           reference="reg:84", impute=False)
    text = dump_preset(options)
    assert load_preset(text.encode()) == options
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    assert load_preset(path) == options


def test_defaults_and_equal_weights():
    assert load_preset(b"[weights]\nfibre = 1\ncouv4g = 1\nage65 = 1\n") == ScoreOptions(
        weights={"fibre": 1, "couv4g": 1, "age65": 1})
    assert "fibre = 1.0" in dump_preset(ScoreOptions())


def test_custom_ids_allowed_when_declared():
    opts = load_preset(b"[weights]\nfibre = 1\nmon_indic = 2\n", extra_ids=("mon_indic",))
    assert opts.weights["mon_indic"] == 2


@pytest.mark.parametrize("text, message", [
    (b"[weights]\nfoo = 1\n", "Indicateur inconnu « foo »"),
    (b"[weights]\nfibre = -1\n", "vaut « -1 »"),
    (b"[weights]\nfibre = 0\n", "Tous les poids sont nuls"),
    (b"[weights\n", "pas un TOML valide"),
    (b"[settings]\nmethod = 'rank'\n", "pas de table \\[weights\\]"),
    (b"[weights]\nfibre = 1\n[settings]\ncouleur = 'rouge'\n", "réglage « couleur » est inconnu"),
    (b"[weights]\nfibre = 1\n[settings]\nimpute = 'oui'\n", "true ou false"),
    (b"[weights]\nfibre = 1\n[settings]\nvariant = 'ado'\n", "Variante inconnue « ado »"),
    (b"\xff\xfe", "UTF-8"),
])
def test_errors_name_the_value(text, message):
    with pytest.raises(InputError, match=message):
        load_preset(text)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="introuvable"):
        load_preset(tmp_path / "absent.toml")


# --- [custom.<id>]: user indicators described in the preset -------------------------------------

CUSTOM_PRESET = """[weights]
fibre = 1.0
perso_taux = 2.0

[settings]
variant = "tout_age"
method = "rank"
impute = true
min_indicators = 3

[custom.perso_taux]
label = "Taux d'équipement"
direction = "plus_haut_moins_fragile"
code_column = "Code INSEE"
value_column = "taux"
file = "équipement.csv"
"""


def test_custom_table_is_written_and_read_back():
    indicator = CustomIndicator("perso_taux", "Taux d'équipement", "plus_haut_moins_fragile", 2.0,
                                pl.DataFrame({"code": ["01001"], "value": [1.0]}),
                                code_column="Code INSEE", value_column="taux", source="équipement.csv")
    options = ScoreOptions(weights={"fibre": 1.0, "perso_taux": 2.0})
    text = dump_preset(options, ("perso_taux",), [indicator])
    assert text == CUSTOM_PRESET
    preset = read_preset(text.encode())
    assert preset.options == options
    assert preset.customs == (CustomSpec("perso_taux", "Taux d'équipement", "plus_haut_moins_fragile",
                                         "Code INSEE", "taux", "équipement.csv"),)
    assert preset.custom("perso_taux").value_column == "taux" and preset.custom("fibre") is None
    assert load_preset(text.encode()) == options  # the id is allowed without extra_ids
    assert dump_preset(preset.options, customs=preset.customs) == text


def test_custom_columns_are_optional_and_weight_zero_allowed():
    text = b"[weights]\nfibre = 1\nperso_a = 0\n[custom.perso_a]\nlabel = 'A'\ndirection = 'plus_haut_plus_fragile'\n"
    preset = read_preset(text)
    assert preset.customs == (CustomSpec("perso_a", "A", "plus_haut_plus_fragile"),)
    assert preset.options.weights == {"fibre": 1, "perso_a": 0}
    dumped = dump_preset(preset.options, customs=preset.customs)
    assert "[custom.perso_a]" in dumped and "code_column" not in dumped and "file" not in dumped
    # a described indicator need not be weighted
    assert read_preset(b"[weights]\nfibre = 1\n[custom.perso_b]\nlabel = 'B'\n"
                       b"direction = 'plus_haut_plus_fragile'\n").customs[0].id == "perso_b"


def test_old_presets_load_unchanged():
    assert read_preset(b"[weights]\nfibre = 1\nmon_indic = 2\n", ("mon_indic",)) == Preset(
        ScoreOptions(weights={"fibre": 1, "mon_indic": 2}), ())
    assert "[custom" not in dump_preset(ScoreOptions(weights={"fibre": 1, "mon_indic": 2}), ("mon_indic",))


CUSTOM_HEAD = b"[weights]\nfibre = 1\nperso_a = 1\n"


@pytest.mark.parametrize("table, message", [
    (b"custom = 3\n", "« custom » doit contenir des tables \\[custom.<id>\\]"),
    (b"[custom]\nperso_a = 'x'\n", "table \\[custom.perso_a\\] : « perso_a » vaut « x » : une table est attendue"),
    (b"[custom.perso_a]\ndirection = 'plus_haut_plus_fragile'\n", "\\[custom.perso_a\\] : la clé « label » manque"),
    (b"[custom.perso_a]\nlabel = 'A'\n", "la clé « direction » manque \\(le sens : plus_haut_plus_fragile ou"),
    (b"[custom.perso_a]\nlabel = 'A'\ndirection = 'haut'\n",
     "\\[custom.perso_a\\] : la clé « direction » vaut « haut » : attendu plus_haut_plus_fragile ou "
     "plus_haut_moins_fragile"),
    (b"[custom.perso_a]\nlabel = 'A'\ndirection = 'plus_haut_plus_fragile'\ncouleur = 'rouge'\n",
     "la clé « couleur » est inconnue : clés possibles : label, direction, code_column, value_column, file"),
    (b"[custom.perso_a]\nlabel = 3\ndirection = 'plus_haut_plus_fragile'\n",
     "la clé « label » vaut « 3 » : un texte"),
    (b"[custom.perso_a]\nlabel = ' '\ndirection = 'plus_haut_plus_fragile'\n", "la clé « label » est vide"),
    (b"[custom.perso_a]\nlabel = 'A'\ndirection = 'plus_haut_plus_fragile'\ncode_column = 'c'\nvalue_column = 'c'\n",
     "« code_column » et « value_column » valent toutes deux « c »"),
    (b"[custom.Perso-A]\nlabel = 'A'\ndirection = 'plus_haut_plus_fragile'\n",
     "l'identifiant d'indicateur personnel « Perso-A » n'est pas valide"),
    (b"[custom.fibre]\nlabel = 'A'\ndirection = 'plus_haut_plus_fragile'\n",
     "L'indicateur personnalisé « fibre » porte le nom d'une colonne existante"),
    (b"[custom.perso_b]\nlabel = 'B'\ndirection = 'plus_haut_plus_fragile'\n", "Indicateur inconnu « perso_a »"),
    (b"[palette]\nx = 1\n",
     "table inconnue « palette » : attendu \\[weights\\], \\[settings\\] et \\[custom.<id>\\]"),
])
def test_custom_table_refusals_name_the_key(table, message):
    with pytest.raises(InputError, match=message):
        read_preset(table + CUSTOM_HEAD if table.startswith(b"custom =") else CUSTOM_HEAD + table)


def test_weighted_missing_lists_only_weighted_absent_customs():
    from ifn.presets import read_preset

    text = b"""[weights]
fibre = 1.0
couv4g = 1.0
age65 = 1.0
perso_a = 2.0
perso_b = 0.0

[custom.perso_a]
label = "A"
direction = "plus_haut_plus_fragile"

[custom.perso_b]
label = "B"
direction = "plus_haut_plus_fragile"
"""
    preset = read_preset(text)
    assert [c.id for c in preset.weighted_missing(set())] == ["perso_a"]
    assert preset.weighted_missing({"perso_a"}) == []


def test_presets_naming_retired_indicators_load_with_a_notice():
    preset = read_preset(b"[weights]\nthd = 1\nage65 = 2\n")
    assert preset.options.weights == {"age65": 2}
    assert len(preset.notices) == 1 and "« thd », qui n'existe plus" in preset.notices[0]
    assert "Locaux non raccordables à la fibre" in preset.notices[0]
    only_retired = read_preset(b"[weights]\nthd = 1\nrsa = 1\n")
    assert only_retired.options.weights is None  # the variant's equal weights
    assert len(only_retired.notices) == 3 and "poids égaux" in only_retired.notices[2]
    with pytest.raises(InputError, match="Indicateur inconnu « inexistant »"):
        read_preset(b"[weights]\ninexistant = 1\n")

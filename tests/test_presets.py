"""Weight presets (TOML) shared by the CLI and the analyst page."""

import pytest

from ifn.errors import InputError
from ifn.presets import dump_preset, load_preset
from ifn.score import ScoreOptions


def test_round_trip(tmp_path):
    options = ScoreOptions(weights={"thd": 2.0, "pauvrete": 1.0, "menseul": 0.5}, method="base100",
                           reference="reg:84", impute=False)
    text = dump_preset(options)
    assert load_preset(text.encode()) == options
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    assert load_preset(path) == options


def test_defaults_and_equal_weights():
    assert load_preset(b"[weights]\nthd = 1\nmobile = 1\nage65 = 1\n") == ScoreOptions(
        weights={"thd": 1, "mobile": 1, "age65": 1})
    assert "thd = 1.0" in dump_preset(ScoreOptions())


def test_custom_ids_allowed_when_declared():
    opts = load_preset(b"[weights]\nthd = 1\nmon_indic = 2\n", extra_ids=("mon_indic",))
    assert opts.weights["mon_indic"] == 2


@pytest.mark.parametrize("text, message", [
    (b"[weights]\nfoo = 1\n", "Indicateur inconnu « foo »"),
    (b"[weights]\nthd = -1\n", "vaut « -1 »"),
    (b"[weights]\nthd = 0\n", "Tous les poids sont nuls"),
    (b"[weights\n", "pas un TOML valide"),
    (b"[settings]\nmethod = 'rank'\n", "pas de table \\[weights\\]"),
    (b"[weights]\nthd = 1\n[settings]\ncouleur = 'rouge'\n", "réglage « couleur » est inconnu"),
    (b"[weights]\nthd = 1\n[settings]\nimpute = 'oui'\n", "true ou false"),
    (b"[weights]\nthd = 1\n[settings]\nvariant = 'senior'\n", "Variante inconnue « senior »"),
    (b"\xff\xfe", "UTF-8"),
])
def test_errors_name_the_value(text, message):
    with pytest.raises(InputError, match=message):
        load_preset(text)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="introuvable"):
        load_preset(tmp_path / "absent.toml")

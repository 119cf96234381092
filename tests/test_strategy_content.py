"""Content file data/strategie2025.toml: 9 objectives, baselines from the seed documents, validation."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from ifn.errors import DataError
from ifn.strategy.content import CONTENT_PATH, load_strategy, parse_strategy


def test_nine_objectives_three_per_group():
    s = load_strategy()
    assert [o.group for o in s.objectives] == ["Externe"] * 3 + ["Interne"] * 3 + ["Ensemble"] * 3
    assert len(s.indicators) == 26
    assert all(o.indicators for o in s.objectives)


def test_baselines_found_in_documents():
    s = load_strategy().indicators
    members = s["ext1_societaires"]
    assert [(r.value, r.date.year, r.document) for r in members.references] == [
        (45, 2016, "004"), (65, 2017, "004"), (84, 2019, "004"), (104, 2020, "004"), (110, 2022, "002")]
    assert members.baseline.value == 110 and members.baseline.date == dt.date(2022, 6, 30)
    assert s["ext3_rencontres_decideurs"].baseline.value == 15
    assert s["ext1_participation_demarches"].baseline.value == 300
    assert s["ext3_mentions_presse"].baseline.value == 3
    assert s["ens2_projets_avec_societaires"].baseline.value == 17
    assert s["ens1_taux_ouverture"].baseline.value == 30 and s["ens1_taux_ouverture"].unit == "%"
    assert s["int2_groupes_thematiques"].baseline.value is True
    with_ref = sorted(i for i, ind in s.items() if ind.references)
    assert len(with_ref) == 12
    assert all(ind.no_reference for ind in s.values() if not ind.references)


def _data():
    with CONTENT_PATH.open("rb") as fh:
        return tomllib.load(fh)


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["objectif"][0]["indicateur"][2]["reference"][0].__setitem__("valeur", "beaucoup"), "non numérique"),
    (lambda d: d["objectif"][0]["indicateur"][2]["reference"][0].__setitem__("date", dt.date(2015, 1, 1)), "hors de la période"),
    (lambda d: d["objectif"][0]["indicateur"][2]["reference"][0].__setitem__("document", "999"), "document « 999 » inconnu"),
    (lambda d: d["objectif"][0]["indicateur"][1].pop("sans_reference"), "ni référence"),
    (lambda d: d["objectif"][0]["indicateur"][1].__setitem__("sens", "haut"), "sens « haut » invalide"),
    (lambda d: d["objectif"][1]["indicateur"][0].__setitem__("id", "ext1_societaires"), "en double"),
    (lambda d: d["objectif"][0].__setitem__("groupe", "Autre"), "groupe « Autre » inconnu"),
])
def test_validation_french_messages(mutate, message):
    data = _data()
    mutate(data)
    with pytest.raises(DataError, match=message):
        parse_strategy(data)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="introuvable"):
        load_strategy(tmp_path / "absent.toml")

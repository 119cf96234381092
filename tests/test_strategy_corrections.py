"""« Corrige l'entrée » choices: each label maps to the id of the entry it corrects (never parsed back)."""

import datetime as dt

from ifn.strategy.content import load_strategy
from ifn.strategy.editing import NO_CORRECTION, correction_choices
from ifn.strategy.storage import Entry


def entry(n, indicator, kind="mesure", value=None, boolean=None, day=dt.date(2024, 3, 1)):
    return Entry(n, indicator, kind, value, boolean, None, day, "", "", "alice", f"t{n}", None)


def test_labels_map_to_entry_ids():
    strategy = load_strategy()
    societaires = strategy.indicator("ext1_societaires")
    entries = [entry(3, "ext1_societaires", value=125.0), entry(7, "ext1_societaires", "cible", value=150.0),
               entry(12, "ext1_societaires", value=1200.5, day=dt.date(2024, 12, 31)),
               entry(13, "ext1_enquete_notoriete", boolean=True)]
    choices = correction_choices(entries, societaires)
    assert list(choices.values()) == [None, 3, 12]
    assert list(choices)[0] == NO_CORRECTION == "—"
    labels = list(choices)[1:]
    assert labels[0].startswith("n° 3 (125") and labels[0].endswith(", 2024-03-01)")
    assert labels[1].startswith("n° 12 (") and labels[1].endswith(", 2024-12-31)")
    notoriete = strategy.indicator("ext1_enquete_notoriete")
    assert correction_choices(entries, notoriete) == {NO_CORRECTION: None, "n° 13 (oui, 2024-03-01)": 13}

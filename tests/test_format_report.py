"""The build's French summary (ifn.build.format_report): exact lines for a small report."""

from ifn.build import format_report

REPORT = {
    "communes_2026": 34875, "communes_metropole": 34746, "communes_drom": 129,
    "communes_sans_contour": 4, "codes_communes_sans_contour": ["15031", "15035", "15047", "15171"],
    "communes_sans_population": 0,
    "sources": {
        "bibliotheques": {"source": "services/adresses-des-bibliotheques-publiques.csv", "lignes": 15481,
                          "identiques": 15294, "arrondissements": 0, "fusions": 164, "hors_champ": 22,
                          "non_apparies": 1, "communes_2026_absentes": 21084, "codes_non_apparies": ["69303"],
                          "codes_communes_2026_absentes": ["x"] * 40,
                          "communes_retablies_apres_millesime": {"15031": "créée ou rétablie le 2025-01-01"}},
        "lieux_mediation": {"lieux_lus": 4930, "localises": 4908, "details": [1, 2]},
    },
    "valeurs_par_indicateur": {"fibre": {"renseignees": 34874, "manquantes": 1}},
    "fichiers_differents_de_SHA256SUMS": [],
}


def test_report_lines_exact():
    lines = format_report(REPORT).split("\n")
    assert lines[:3] == ["Communes (COG 2026) : 34875 (34746 en métropole, 129 dans les DROM)",
                         "Communes sans contour : 4 (15031, 15035, 15047, 15171)",
                         "Communes sans population : 0"]
    assert lines[4] == "Réconciliation des codes par source (vers le COG 2026) :"
    assert lines[5].split() == ["source", "lignes", "identiq.", "arrond.", "fusion", "h.champ", "non", "app.",
                                "abs.", "2026"]
    assert lines[6].split() == ["services/adresses-des-bibliotheques-publiques.csv", "15481", "15294", "0", "164",
                                "22", "1", "21084"]
    assert lines[7] == "    non appariés : 69303"
    assert lines[8] == "    15031 : créée ou rétablie le 2025-01-01"  # 40 absent communes: not listed
    assert lines[9] == "lieux_mediation" + " " * 38 + "lieux_lus : 4930, localises : 4908"
    assert lines[10:] == ["", "Valeurs renseignées par indicateur (avant imputation) :",
                          "    fibre                   34874 renseignées,      1 manquantes"]


def test_changed_inputs_are_flagged():
    report = REPORT | {"fichiers_differents_de_SHA256SUMS": ["insee/a.csv", "geo/b.json"]}
    assert format_report(report).split("\n")[-1] == ("Attention, fichiers différents de SHA256SUMS : insee/a.csv, "
                                                     "geo/b.json")

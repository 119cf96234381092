"""The card as narrow escaped HTML, its notices, ranks and the comparison grid (real rows of the bundle)."""

from __future__ import annotations

import re

import polars as pl
import pytest

from ifn import cardview
from ifn.catalogue import load_catalogue
from ifn.classify import classify
from ifn.territory import Card, IndicatorRow, card, compare_table, france_values


def test_formats():
    assert cardview.fmt_int(34875) == "34\u202f875"
    assert cardview.fmt_rank(31194, 34875) == "31\u202f194 sur 34\u202f875"
    assert cardview.fmt_rank(None, 34875) == "—"
    assert cardview.fmt_ifn(6.0) == "6,0/10"
    assert cardview.fmt_ifn(None) == "—"


def _row(**kw):
    base = dict(id="x", label="<b>Libellé</b>", axis=1, unit="%", raw=15.25, score=6.0, imputed=False, reason=None,
                source="Source & co", vintage="T3 2025", definition="Part <script>", estimate=None)
    return IndicatorRow(**{**base, **kw})


def _card(indicators, ifn=6.0, comparison=()):
    return Card("commune", "01001", "A", 100, ifn, None, "4,6 – 6,4", "#fff", 1, 10, 31194, 34875,
                tuple(indicators), (), tuple(comparison))


def test_indicator_block_is_escaped_and_has_every_field():
    out = cardview.indicators_html([_row()], "Indicateurs")
    assert "<b>" not in out and "<script>" not in out
    assert "&lt;b&gt;Libellé&lt;/b&gt;" in out and "Source &amp; co" in out
    assert '<td class="ifn-source">Source &amp; co</td>' in out
    assert '<td class="ifn-millesime">T3 2025</td>' in out
    assert '<td class="ifn-valeur">15,2 %</td>' in out or '<td class="ifn-valeur">15,3 %</td>' in out
    assert '<td class="ifn-score">6,0</td>' in out
    assert [f[0] for f in cardview.indicator_fields(_row(reason="Valeur imputée"))] == [
        "Valeur", "Score (1 à 10)", "Définition", "Source", "Millésime", "Remarque"]


def test_headline_ranks_have_thousand_separators():
    fields = dict(cardview.headline_fields(_card([_row()])))
    assert fields["Rang en France"] == "31\u202f194 sur 34\u202f875"
    assert fields["IFN (1 à 10)"] == "6,0/10"


def test_coverage_notice_names_missing_indicators():
    rows = [_row(id="a", label="A"), _row(id="b", label="Taux de pauvreté", raw=None, score=None, source="Filosofi",
                                           vintage="2021")]
    notice = cardview.coverage_notice(_card(rows), {"zone": "drom"})
    assert notice.startswith("IFN calculé sur 1 des 2 indicateurs de l'indice")
    assert "« Taux de pauvreté » (aucune valeur publiée pour ce département d'outre-mer dans la source : Filosofi, 2021)" in notice
    note = cardview.coverage_notice(_card(rows), {"b_note": "Pas de donnée pour les DROM."})
    assert "« Taux de pauvreté » (Pas de donnée pour les DROM)" in note
    assert cardview.coverage_notice(_card(rows[:1])) is None
    assert cardview.coverage_notice(_card(rows, ifn=None)) is None  # no score: the card shows the reason instead


def test_outline_notice():
    assert cardview.outline_notice({"a_contour": True, "sans_contour": None}) is None
    assert cardview.outline_notice(None) is None
    text = cardview.outline_notice({"a_contour": False, "sans_contour": "commune rétablie le 01/01/2025."})
    assert text == ("Cette commune n'apparaît pas sur la carte : commune rétablie le 01/01/2025. Sa fiche, son score "
                    "et les exports restent complets.")


def test_printable_card_has_no_widget_and_escapes():
    page = cardview.printable_card(_card([_row()]), ["<i>note</i>"], {"Variante": "Tout âge"}, "01/12/2026")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "<i>" not in page
    assert "Variante : Tout âge · 01/12/2026" in page
    assert cardview.SCALE_NOTE.replace("'", "&#x27;") in page


@pytest.fixture(scope="module")
def real(built_cache):
    from ifn.cache import load_communes
    from ifn.score import ScoreOptions, score_all

    communes = load_communes().collect()
    return communes, score_all(communes, ScoreOptions()), load_catalogue()


def _real_card(real, code):
    communes, scored, cat = real
    v = cat.variant("tout_age")
    details = communes.filter(pl.col("code") == code).row(0, named=True)
    return card(scored, "commune", code, classify(scored["commune"]["ifn"]), france_values(communes), v.indicators,
                v.context, cat, details), details


def test_real_card_saint_etienne(real):
    c, details = _real_card(real, "42218")
    fields = dict(cardview.headline_fields(c))
    assert fields["IFN (1 à 10)"] == "6,8/10"
    assert fields["Rang dans le département"] == "24 sur 320"
    assert fields["Rang en France"] == "6\u202f337 sur 34\u202f858"
    assert fields["Population municipale 2023"] == "173\u202f136"
    assert cardview.coverage_notice(c, details) is None
    lines = dict(cardview.comparison_lines(c))
    assert cardview.comparison_columns(c) == ["Saint-Étienne (Commune)", "Loire (Département)", "France"]
    assert lines["IFN (1 à 10)"] == ["6,8", "5,4", "—"]
    assert lines["Locaux non raccordables à la fibre (%)"] == ["3,4", "1,5", "4,7"]
    body = cardview.card_body_html(c)
    assert body.count('class="ifn-source"') == 14 and body.count('class="ifn-millesime"') == 14
    assert "T3 2019" in body


def test_real_drom_commune_scored_on_four_indicators(real):
    c, details = _real_card(real, "97101")
    assert cardview.fmt_ifn(c.ifn) == "6,3/10"
    notice = cardview.coverage_notice(c, details)
    assert notice.startswith("IFN calculé sur 4 des 5 indicateurs de l'indice")
    assert "« Taux de pauvreté » (aucune valeur publiée pour ce département d'outre-mer dans la source : INSEE, " \
           "Filosofi 2021" in notice


def test_real_commune_without_outline(real):
    _, details = _real_card(real, "15031")
    assert cardview.outline_notice(details).startswith("Cette commune n'apparaît pas sur la carte : commune rétablie "
                                                       "le 01/01/2025 à partir de 15141")


def test_comparison_grid_raw_values_and_scores_apart(real):
    _, scored, cat = real
    ids = cat.variant("tout_age").indicators
    table = compare_table(scored, [("commune", "42218"), ("departement", "29")], ids)
    heads, rows = cardview.compare_lines(table, cat, ids)
    assert heads == ["Saint-Étienne (42218)", "Finistère (29)"]
    rows = dict(rows)
    assert rows["Locaux non raccordables à la fibre (%)"][0] == "3,4"
    assert rows["Score « Sans fibre » (1 à 10)"][0] == "7,1"
    # every cell is a French number with one decimal (or a dash), never « 2.3403 »
    assert all(re.fullmatch(r"−?\d+,\d|—", v) for vs in rows.values() for v in vs)


def test_area_label(real):
    _, scored, _ = real
    assert cardview.area_label(scored, ("departement", "42")) == "Loire (Département 42)"
    assert cardview.area_label(scored, ("epci", "200046977")) == "Métropole de Lyon (EPCI 200046977)"
    assert cardview.area_label(scored, None) == "France entière"
    assert cardview.area_label(scored, ("departement", "00")) == "Département 00"

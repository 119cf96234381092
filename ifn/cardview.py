"""The territory card as text and escaped HTML (pure: no streamlit).

The map page shows the card in a column about 370 px wide: the indicator tables
are laid out one indicator per block (label, then value, score, definition,
source, vintage, remark as two-column rows) and the comparison with the
département and France is transposed (one row per indicator, one column per
territory), so that nothing needs a sideways scroll. Every text is
HTML-escaped here; the same fragments make the printable card
(``printable_card``).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

from ifn.territory import LEVEL_LABELS, Card, IndicatorRow, fmt_value

NARROW_NBSP = "\u202f"
SCALE_NOTE = ("Échelle de 1 à 10 : 1 = le moins fragile, 10 = le plus fragile (pour l'indice comme pour "
              "le score de chaque indicateur).")
SCORE_UNIT = "/10"

CARD_CSS = """
.ifn-card table{border-collapse:collapse;width:100%;margin:0 0 .8rem 0;font-size:.9rem;table-layout:fixed}
.ifn-card th,.ifn-card td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top;
  overflow-wrap:anywhere;word-break:normal}
.ifn-card thead th{background:#f3f3f3}
.ifn-card tbody th{font-weight:600;width:34%;color:#333}
.ifn-card .ifn-ind-title th{background:#f7f7f7;font-weight:700;width:auto}
.ifn-card .ifn-num{white-space:nowrap;text-align:right}
.ifn-card .ifn-comparaison thead th:first-child{width:46%}
.ifn-card .ifn-comparaison thead th{font-size:.8rem}
.ifn-card caption{caption-side:top;text-align:left;font-weight:700;padding:.3rem 0}
"""


def fmt_int(value: int | None) -> str:
    """Integer with narrow no-break spaces between thousands: « 34 875 »; « — » when missing."""
    if value is None:
        return "—"
    return f"{int(value):,}".replace(",", NARROW_NBSP)


def fmt_rank(rank: int | None, total: int | None) -> str:
    """« 31 194 sur 34 875 » (thousands separated, never split); « — » without a rank."""
    if rank is None or not total:
        return "—"
    return f"{fmt_int(rank)} sur {fmt_int(total)}"


def fmt_ifn(value: float | None) -> str:
    """IFN on the card: always one decimal (« 6,0/10 »), « — » when there is no score."""
    return "—" if value is None else fmt_value(value) + SCORE_UNIT


def _e(text: object) -> str:
    return html.escape("" if text is None else str(text))


def indicator_fields(row: IndicatorRow) -> list[tuple[str, str]]:
    """(label, text) pairs of one indicator block, in display order (plain text, not escaped)."""
    fields = [("Valeur", fmt_value(row.raw, row.unit)),
              ("Score (1 à 10)", fmt_value(row.score)),
              ("Définition", row.definition or "—"),
              ("Source", row.source or "—"),
              ("Millésime", row.vintage or "—")]
    remark = row.reason or row.proxy_note
    if remark:
        fields.append(("Remarque", remark))
    return fields


_FIELD_CLASS = {"Source": "ifn-source", "Millésime": "ifn-millesime", "Valeur": "ifn-valeur",
                "Score (1 à 10)": "ifn-score"}


def indicators_html(rows: Iterable[IndicatorRow], caption: str) -> str:
    """One table, one block of rows per indicator (escaped)."""
    parts = [f'<table class="ifn-indicateurs"><caption>{_e(caption)}</caption>']
    for row in rows:
        parts.append(f'<tbody><tr class="ifn-ind-title"><th colspan="2" scope="rowgroup">{_e(row.label)}</th></tr>')
        for label, text in indicator_fields(row):
            css = _FIELD_CLASS.get(label, "")
            parts.append(f'<tr><th scope="row">{_e(label)}</th><td class="{css}">{_e(text)}</td></tr>')
        parts.append("</tbody>")
    parts.append("</table>")
    return "".join(parts)


def comparison_columns(card: Card) -> list[str]:
    """Column headers of the transposed comparison: the territory, its département, France."""
    return [r["territoire"] for r in card.comparison]


def comparison_lines(card: Card) -> list[tuple[str, list[str]]]:
    """(row label, formatted value per compared territory) of the transposed comparison.

    First the IFN (a 1–10 score), then the raw value of each indicator under its label and unit.
    """
    lines = [("IFN (1 à 10)", [fmt_value(r["ifn"]) for r in card.comparison])]
    for ind in card.indicators + card.context:
        lines.append((f"{ind.label} ({ind.unit})", [fmt_value(r.get(ind.id)) for r in card.comparison]))
    return lines


def comparison_html(card: Card, caption: str = "Comparaison avec le département et la France") -> str:
    """Transposed comparison table (escaped): one row per indicator, one column per territory."""
    head = "".join(f'<th scope="col">{_e(c)}</th>' for c in comparison_columns(card))
    body = "".join(
        f'<tr><th scope="row">{_e(label)}</th>' + "".join(f'<td class="ifn-num">{_e(v)}</td>' for v in values) + "</tr>"
        for label, values in comparison_lines(card))
    return (f'<table class="ifn-comparaison"><caption>{_e(caption)}</caption>'
            f'<thead><tr><th scope="col">Indicateur (valeurs brutes)</th>{head}</tr></thead><tbody>{body}</tbody></table>')


def headline_fields(card: Card, with_score: bool = True) -> list[tuple[str, str]]:
    """(label, text) of the card's headline: IFN and class (unless ``with_score`` is False: the page shows
    them as a metric and a swatch), ranks, population.
    """
    level = LEVEL_LABELS[card.level].lower() if card.level != "epci" else "EPCI"
    fields = [("IFN (1 à 10)", fmt_ifn(card.ifn)), ("Classe sur la carte", card.class_label)] if with_score else []
    if card.rank_dep is not None or card.n_dep:
        fields.append(("Rang dans le département", fmt_rank(card.rank_dep, card.n_dep)))
    fields.append(("Rang en France", fmt_rank(card.rank_france, card.n_france)))
    fields.append(("Classement", f"1 = le plus fragile parmi les territoires de niveau {level}"))
    if card.population is not None:
        what = "Population de l'IRIS (recensement 2022)" if card.level == "iris" else "Population municipale 2023"
        fields.append((what, fmt_int(card.population)))
    return fields


def headline_html(card: Card, with_score: bool = True) -> str:
    """The headline as an escaped two-column table (``headline_fields``)."""
    rows = "".join(f'<tr><th scope="row">{_e(k)}</th><td>{_e(v)}</td></tr>'
                   for k, v in headline_fields(card, with_score))
    return f'<table class="ifn-entete"><tbody>{rows}</tbody></table>'


def card_body_html(card: Card) -> str:
    """The card's tables (indicators, context, comparison), escaped, inside ``<div class="ifn-card">``."""
    return (f"<style>{CARD_CSS}</style><div class=\"ifn-card\">"
            + indicators_html(card.indicators, "Indicateurs de l'indice")
            + indicators_html(card.context, "Contexte du territoire (non intégré à l'indice)")
            + comparison_html(card) + "</div>")


def coverage_notice(card: Card, details: Mapping | None = None) -> str | None:
    """Plain-text notice when the IFN is computed on fewer indicators than the variant has.

    Names each missing indicator and why it is missing (the cache's ``<id>_note`` for the commune when
    there is one, e.g. the DROM census, else the card's reason). None when every indicator is scored
    or when there is no IFN at all (the card then shows the reason of the missing score).
    """
    if card.ifn is None:
        return None
    missing = [r for r in card.indicators if r.score is None]
    if not missing:
        return None
    n, total = len(card.indicators) - len(missing), len(card.indicators)
    why = []
    for r in missing:
        note = (details or {}).get(f"{r.id}_note")
        if not note and (details or {}).get("zone") == "drom" and r.raw is None:
            note = f"aucune valeur publiée pour ce département d'outre-mer dans la source : {r.source}, {r.vintage}"
        why.append(f"« {r.label} » ({(note or r.reason or 'valeur manquante').rstrip('.')})")
    return (f"IFN calculé sur {n} des {total} indicateurs de l'indice (au moins 3 sont exigés) : "
            f"{' ; '.join(why)} manque{'nt' if len(missing) > 1 else ''}. Les autres indicateurs pèsent "
            "d'autant plus ; la comparaison avec des territoires notés sur les 5 indicateurs est à faire avec prudence.")


def outline_notice(details: Mapping | None) -> str | None:
    """Plain-text notice for a commune drawn without an outline (cache column ``sans_contour``)."""
    if not details or details.get("a_contour", True) is not False:
        return None
    why = details.get("sans_contour") or "contour absent des données de l'IGN utilisées"
    return (f"Cette commune n'apparaît pas sur la carte : {str(why).rstrip('.')}. Sa fiche, son score et "
            "les exports restent complets.")


PRINT_CSS = """
body{font-family:sans-serif;margin:1.5cm;color:#111}
h1{font-size:1.4rem;margin:0 0 .3rem 0} .ifn-meta{color:#555;font-size:.85rem}
.ifn-card table,.ifn-entete{border-collapse:collapse;width:100%;margin:0 0 .8rem 0;font-size:.85rem}
.ifn-entete th,.ifn-entete td{border:1px solid #ddd;padding:3px 6px;text-align:left}
@media print{body{margin:1cm} tbody{break-inside:avoid}}
"""


def printable_card(card: Card, notices: Iterable[str] = (), settings: Mapping[str, str] | None = None,
                   date: str = "", sources_note: str = "") -> str:
    """A self-contained printable HTML page of the card (no widgets, no sidebar), every text escaped."""
    title = f"{card.name} ({LEVEL_LABELS[card.level]} {card.code})"
    meta = " · ".join(f"{k} : {v}" for k, v in (settings or {}).items())
    notes = "".join(f"<p>{_e(n)}</p>" for n in notices)
    return ("<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\">"
            f"<title>{_e('Fiche IFN — ' + title)}</title><style>{PRINT_CSS}</style></head><body>"
            f"<h1>{_e('Indice de Fragilité Numérique — ' + title)}</h1>"
            f"<p class=\"ifn-meta\">{_e(meta)}{(' · ' if meta and date else '') + _e(date)}</p>"
            f"{headline_html(card)}<p>{_e(SCALE_NOTE)}</p>{notes}{card_body_html(card)}"
            f"<p class=\"ifn-meta\">{_e(sources_note)}</p></body></html>")


def compare_lines(table, catalogue, ids) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Transposed comparison grid of ``ifn.territory.compare_table``: territory headers, then rows.

    Rows: the IFN, the raw value of each indicator under its label and unit (French decimals), then the
    1–10 score of each indicator under a « Score … » label — never a score under a raw-value label.
    """
    heads = [f"{t} ({c})" for t, c in zip(table["territoire"].to_list(), table["code"].to_list())]
    rows = [("IFN (1 à 10)", [fmt_value(v) for v in table["ifn"].to_list()])]
    for i in ids:
        ind = catalogue.indicator(i)
        rows.append((f"{ind.label} ({ind.unit})", [fmt_value(v) for v in table[f"raw_{i}"].to_list()]))
    for i in ids:
        ind = catalogue.indicator(i)
        rows.append((f"Score « {ind.short_label or ind.label} » (1 à 10)",
                     [fmt_value(v) for v in table[f"score_{i}"].to_list()]))
    return heads, rows


def compare_html(table, catalogue, ids) -> str:
    """The comparison grid as an escaped HTML table inside a horizontally scrollable box."""
    heads, rows = compare_lines(table, catalogue, ids)
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in heads)
    body = "".join(f'<tr><th scope="row">{_e(label)}</th>' + "".join(f'<td class="ifn-num">{_e(v)}</td>' for v in values)
                   + "</tr>" for label, values in rows)
    return (f'<style>{CARD_CSS}</style><div class="ifn-card" style="overflow-x:auto">'
            f'<table class="ifn-grille" style="table-layout:auto"><thead><tr><th scope="col">Indicateur</th>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table></div>")


def chart_label(catalogue, id: str) -> str:
    """Short label of an indicator for chart axes (``short_label`` of the catalogue, else its label)."""
    ind = catalogue.indicator(id)
    return ind.short_label or ind.label


def area_label(scored, area: tuple[str, str] | None) -> str:
    """French name of the drawn area for titles and export metadata: « Loire (Département 42) »,
    « France entière » for the national views; the bare code when the unit is unknown.
    """
    if not area:
        return "France entière"
    level, code = area
    table = scored.get(level)
    names = table.filter(table["code"] == code)["nom"].to_list() if table is not None else []
    return f"{names[0]} ({LEVEL_LABELS[level]} {code})" if names else f"{LEVEL_LABELS[level]} {code}"

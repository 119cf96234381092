"""The printable diagnostic of a territory: need against offer of digital mediation, in one HTML page.

What an officer brings to a council meeting: the map (inline SVG: communes
coloured by IFN, the three layers of places as dots), the IFN of the territory
and its indicators against its département and France, the offer (places,
distances, places within the radius), the priority list with its totals, the
method in a few sentences and every source with its vintage. The page is laid
out for printing (A4 ``@page``, no script, tables that do not break inside a
row). Every name and free text is HTML-escaped (``html.escape``).

``to_pdf`` renders the same HTML with WeasyPrint when it is installed (it needs
Pango); otherwise it returns None and the page offers the HTML alone.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl
import shapely

from ifn import levels, mediation
from ifn.classify import Classes, fr_number
from ifn.offer import LAYERS

MAX_ROWS = 60  # rows of the priority list printed (the export has them all)
SVG_WIDTH = 680
SVG_MAX_HEIGHT = 620
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def fr_date(d: date) -> str:
    return f"{'1er' if d.day == 1 else d.day} {MONTHS[d.month - 1]} {d.year}"


def km(value: float | None) -> str:
    return "—" if value is None else f"{fr_number(value, 1)} km"


@dataclass(frozen=True)
class Diagnostic:
    """Everything the document shows (built by the page or a script from the cache)."""

    territory: str                      # « Aveyron »
    level: str                          # departement, region, epci, france
    code: str | None
    ifn: float | None
    population: int | None
    thresholds: mediation.Thresholds
    table: pl.DataFrame                 # mediation.commune_table + within_radius, communes of the area
    priority: pl.DataFrame              # mediation.priority_list
    totals: mediation.Totals
    comparison: tuple[dict, ...]        # ifn.territory.comparison_rows: territory / département / France
    indicators: tuple[tuple[str, str, str], ...]  # (id, French label, unit) in the comparison
    places: pl.DataFrame                # ifn.offer places of the area
    sources: tuple[dict, ...]           # ifn.vintage.source_rows()
    geometries: object = None           # GeoDataFrame code, geometry of the area's communes (map)
    classes: Classes | None = None
    units: pl.DataFrame | None = None   # mediation.by_unit (EPCI of a département…), optional
    rejected: int = 0                   # places of the bundle left out (coordinates missing / outside France)
    built: date = field(default_factory=date.today)


# --------------------------------------------------------------------------- map (SVG)
def svg_map(geoms, table: pl.DataFrame, classes: Classes, places: pl.DataFrame) -> str:
    """Inline SVG: communes filled with their IFN class colour, places as dots (one colour per layer)."""
    if geoms is None or not len(geoms):
        return "<p><em>Carte indisponible : aucun contour pour ce territoire.</em></p>"
    colour = dict(zip(table["code"].to_list(), classes.colour(table["ifn"])))
    names = dict(zip(table["code"].to_list(), table["nom"].to_list()))
    gs = np.asarray(geoms.geometry.values, dtype=object)
    west, south, east, north = shapely.total_bounds(gs)
    kx = np.cos(np.radians((south + north) / 2))
    width_deg = max((east - west) * kx, 1e-6)
    scale = SVG_WIDTH / width_deg
    height = (north - south) * scale
    if height > SVG_MAX_HEIGHT:
        scale *= SVG_MAX_HEIGHT / height
        height = SVG_MAX_HEIGHT
    width = width_deg * scale
    simplified = shapely.simplify(gs, 0.6 / scale)  # half a pixel: invisible, and a lighter page

    def xy(coords: np.ndarray) -> str:
        x = (coords[:, 0] - west) * kx * scale
        y = (north - coords[:, 1]) * scale
        return "M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y)) + "Z"

    paths = []
    for code, geom in zip(geoms["code"].to_list(), simplified):
        if geom is None or geom.is_empty:
            continue
        parts = getattr(geom, "geoms", [geom])
        d = "".join(xy(np.asarray(ring.coords)) for poly in parts for ring in (poly.exterior, *poly.interiors))
        paths.append(f'<path d="{d}" fill="{esc(colour.get(code, classes.missing_colour))}">'
                     f"<title>{esc(names.get(code, code))}</title></path>")
    dots = []
    for layer in reversed(list(LAYERS.values())):  # mediation places drawn last, on top
        pts = places.filter(pl.col("couche") == layer.id)
        x = (pts["lon"].to_numpy() - west) * kx * scale
        y = (north - pts["lat"].to_numpy()) * scale
        inside = (x >= 0) & (x <= width) & (y >= 0) & (y <= height)
        dots += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.6" fill="{layer.colour}" stroke="#fff" stroke-width="0.6"/>'
                 for a, b in zip(x[inside], y[inside])]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="carte" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="Carte de l\'IFN et des lieux">'
            f'<g stroke="#666" stroke-width="0.3" fill-rule="evenodd">{"".join(paths)}</g>'
            f'<g>{"".join(dots)}</g></svg>')


def legend(classes: Classes) -> str:
    items = "".join(f'<span class="sw" style="background:{esc(c)}"></span>{esc(label)} '
                    for c, label in zip(classes.colours, classes.labels))
    items += f'<span class="sw" style="background:{esc(classes.missing_colour)}"></span>{esc(classes.missing_label)}'
    dots = "".join(f'<span class="dot" style="background:{layer.colour}"></span>{esc(layer.label)} ' for layer in LAYERS.values())
    return f'<p class="legende">IFN : {items}<br>Lieux : {dots}</p>'


# --------------------------------------------------------------------------- sections
def _table(headers: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="{"n" if j >= numeric_from else ""}">{esc(c)}</td>'
                                    for j, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def indicators_section(d: Diagnostic) -> str:
    headers = ["Indicateur"] + [str(r["territoire"]) for r in d.comparison]
    rows = [["IFN (1 à 10)"] + [fr_number(r["ifn"], 1) if r.get("ifn") is not None else "—" for r in d.comparison]]
    for id, label, unit in d.indicators:
        rows.append([f"{label} ({unit})" if unit else label]
                    + [fr_number(r[id], 1) if r.get(id) is not None else "—" for r in d.comparison])
    return "<h2>L'indice et ses indicateurs</h2>" + _table(headers, rows) + (
        "<p class=\"note\">Valeurs brutes : pour chaque indicateur, plus la valeur est élevée, plus le territoire est "
        "fragile. L'IFN de France n'est pas calculé (l'indice classe les territoires entre eux).</p>")


def offer_section(d: Diagnostic) -> str:
    t = d.table
    pop = t["population"].fill_null(0).cast(pl.Float64)
    rows = []
    for layer in LAYERS.values():
        n = d.places.filter(pl.col("couche") == layer.id).height
        dist = t[layer.distance_column]
        ok = dist.is_not_null()
        mean = float((dist.filter(ok) * pop.filter(ok)).sum() / pop.filter(ok).sum()) if pop.filter(ok).sum() else None
        far = int(pop.filter(ok & (dist > d.thresholds.distance_km)).sum())
        within = f"lieux_{layer.id}_rayon"
        none_near = int(t.filter(pl.col(within) == 0).height) if within in t.columns else None
        rows.append([layer.label, mediation.fr_int(n), km(mean),
                     f"{mediation.fr_int(far)} ({fr_number(100 * far / pop.sum(), 1) if pop.sum() else '—'} %)",
                     "—" if none_near is None else mediation.fr_int(none_near)])
    headers = ["Lieux", "Nombre dans le territoire", "Distance moyenne par habitant",
               f"Habitants à plus de {mediation.fr(d.thresholds.distance_km)} km",
               f"Communes sans lieu à {mediation.fr(d.thresholds.radius_km)} km"]
    note = (f"<p class=\"note\">{mediation.fr_int(d.rejected)} lieu(x) du jeu de données national sans coordonnées "
            "utilisables ou hors de France ne sont ni dessinés ni comptés.</p>") if d.rejected else ""
    return "<h2>L'offre : lieux et distances</h2>" + _table(headers, rows) + note


def priority_section(d: Diagnostic) -> str:
    text = mediation.sentence(d.totals, d.thresholds, d.territory)
    out = [f"<h2>Communes prioritaires</h2><p class=\"phrase\">{esc(text)}</p>"]
    out += [f"<p class=\"note\">{esc(c)}</p>" for c in mediation.caveats(d.totals)]
    if d.priority.height:
        rows = [[str(r["rang"]), r["nom"], r["code"], mediation.fr_int(r["population"] or 0),
                 fr_number(r["ifn"], 1), km(r["dist_mediation"]), km(r.get("dist_france_services")),
                 km(r.get("dist_bibliotheque"))]
                for r in d.priority.head(MAX_ROWS).iter_rows(named=True)]
        out.append(_table(["Rang", "Commune", "Code", "Habitants", "IFN", "Lieu de médiation", "France Services",
                           "Bibliothèque"], rows, numeric_from=3))
        if d.priority.height > MAX_ROWS:
            out.append(f"<p class=\"note\">… et {mediation.fr_int(d.priority.height - MAX_ROWS)} autre(s) commune(s) : "
                       "la liste complète est dans l'export CSV / xlsx de la page.</p>")
    if d.units is not None and d.units.height:
        rows = [[r["nom"] or r["code"], mediation.fr_int(r["communes_prioritaires"]),
                 mediation.fr_int(r["habitants_concernes"]), f"{fr_number(r['part_population'] or 0, 1)} %"]
                for r in d.units.head(30).iter_rows(named=True)]
        out.append("<h3>Par EPCI</h3>" if d.level == "departement" else "<h3>Par territoire</h3>")
        out.append(_table(["Territoire", "Communes prioritaires", "Habitants concernés", "Part de la population"], rows))
    return "".join(out)


def method_section(d: Diagnostic) -> str:
    th = d.thresholds
    return (
        "<h2>Méthode</h2><p>L'Indice de Fragilité Numérique (IFN, de 1 à 10) combine des indicateurs d'accès au "
        "numérique et de situation sociale des habitants (voir le tableau ci-dessus) ; chaque indicateur est classé "
        "parmi toutes les communes de France. La distance d'une commune à un lieu est mesurée à vol d'oiseau depuis "
        "son centre de population (moyenne des IRIS pondérée par la population en 2022, à défaut un point intérieur "
        "de la commune) jusqu'au lieu le plus proche, y compris dans les départements voisins. Une commune est "
        f"prioritaire quand son IFN est au moins {mediation.fr(th.ifn_min)} et que le lieu de médiation numérique le "
        f"plus proche est à plus de {mediation.fr(th.distance_km)} km ; la liste est classée par population. Les lieux "
        "de médiation sont ceux où travaillait un Conseiller numérique France Services en décembre 2022 : d'autres "
        "lieux existent, et certains de ceux-ci ont pu fermer.</p>")


def sources_section(d: Diagnostic) -> str:
    rows = [[r["donnee"], r["source"], r["millesime"]] for r in d.sources]
    rows += [[layer.label, layer.source, ""] for layer in LAYERS.values()]
    return "<h2>Sources</h2>" + _table(["Donnée", "Source", "Millésime"], rows, numeric_from=9)


CSS = """
@page { size: A4; margin: 14mm 12mm; @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 9.5pt; color: #222; max-width: 190mm; margin: auto; }
h1 { font-size: 16pt; margin: 0 0 2mm; } h2 { font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1px solid #999;
  break-after: avoid; } h3 { font-size: 10.5pt; break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; } th, td { border: 1px solid #bbb; padding: 1mm 1.5mm;
  text-align: left; vertical-align: top; } td.n { text-align: right; white-space: nowrap; } th { background: #eee; }
tr { break-inside: avoid; } thead { display: table-header-group; }
.phrase { font-size: 11pt; font-weight: bold; } .note { color: #555; font-size: 8.5pt; }
.sw, .dot { display: inline-block; width: 10px; height: 10px; margin: 0 3px 0 8px; border: 1px solid #777; }
.dot { border-radius: 50%; } .carte { display: block; margin: 2mm auto; max-width: 100%; height: auto; }
.legende { font-size: 8.5pt; } .entete { color: #555; }
@media print { a { color: inherit; text-decoration: none; } }
"""


def to_html(d: Diagnostic) -> str:
    """The whole document (UTF-8 HTML, no script)."""
    lvl = levels.level(d.level).label if d.level in levels.LEVELS else ""
    head = (f"{esc(lvl)} {esc(d.code)} · " if d.code else "") + (
        f"{mediation.fr_int(d.population)} habitants · " if d.population else "")
    ifn = f"IFN {fr_number(d.ifn, 1)} / 10" if d.ifn is not None else "IFN non calculé"
    settings = " · ".join(f"{esc(k)} : {esc(v)}" for k, v in d.thresholds.described().items())
    body = [
        f"<h1>Besoins et offre de médiation numérique — {esc(d.territory)}</h1>",
        f"<p class=\"entete\">{head}<strong>{esc(ifn)}</strong> · diagnostic du {esc(fr_date(d.built))}</p>",
        f"<p class=\"entete\">Réglages : {settings}</p>",
        f"<p class=\"phrase\">{esc(mediation.sentence(d.totals, d.thresholds, d.territory))}</p>",
    ]
    if d.classes is not None:
        body += [svg_map(d.geometries, d.table, d.classes, d.places), legend(d.classes)]
    body += [indicators_section(d), offer_section(d), priority_section(d), method_section(d), sources_section(d),
             "<p class=\"note\">Document produit par le tableau de bord de l'Indice de Fragilité Numérique "
             "(La Mednum) à partir de données ouvertes.</p>"]
    return ("<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\">"
            f"<title>Diagnostic de médiation numérique — {esc(d.territory)}</title><style>{CSS}</style></head>"
            f"<body>{''.join(body)}</body></html>")


def to_pdf(document: str) -> bytes | None:
    """The HTML rendered as PDF by WeasyPrint, or None when WeasyPrint (or its system libraries) is missing."""
    import re

    try:
        from weasyprint import HTML
    except Exception:  # noqa: BLE001 - ImportError, or OSError when Pango is absent
        return None
    # the map's commune names (hover titles in a browser) cost WeasyPrint a third of its time and show nowhere
    document = re.sub(r"<svg\b.*?</svg>", lambda m: re.sub(r"<title>[^<]*</title>", "", m.group(0)), document,
                      flags=re.S)
    return HTML(string=document).write_pdf()


def assemble(scored: dict[str, pl.DataFrame], communes: pl.DataFrame, centres: pl.DataFrame, offer,
             commune_geoms, area_level: str | None, area_code: str | None, thresholds: mediation.Thresholds,
             france: dict, classes: Classes, variant: str = "tout_age", catalogue=None) -> Diagnostic:
    """The diagnostic of one area from the cache's tables: ``scored`` (``ifn.score.score_all``), ``communes``
    (cache commune table), ``centres`` (``ifn.cache.load_centres``), ``offer`` (``ifn.offer.read_offer``),
    ``commune_geoms`` (GeoDataFrame ``code, geometry``), ``france`` (``ifn.territory.france_values``),
    ``classes`` (map classes of the communes).
    """
    from ifn.catalogue import load_catalogue
    from ifn.offer import in_area
    from ifn.territory import comparison_rows, find_row
    from ifn.vintage import source_rows

    cat = catalogue or load_catalogue()
    table = mediation.commune_table(scored["commune"], communes)
    area = mediation.area_table(table, area_level, area_code)
    area = mediation.within_radius(area, centres, {k: offer.layer(k) for k in LAYERS}, thresholds.radius_km)
    priority = mediation.priority_list(area, thresholds)
    totals = mediation.totals(area, priority, thresholds)
    var = cat.variant(variant)
    ids = var.all_ids
    if area_level:
        row = find_row(scored[area_level], area_code, area_level)
        name, ifn, population = row["nom"], row["ifn"], row.get("population")
        comparison = comparison_rows(scored, area_level, row, ids, france)
    else:
        name, ifn, population = "France", None, int(area["population"].fill_null(0).sum())
        comparison = ({"territoire": "France", "ifn": None, **{i: france.get(i) for i in ids}},)
    units = mediation.by_unit(priority, area, {"departement": "epci", "region": "departement"}.get(area_level or "",
                                                                                               "region"))
    if area_level == "epci":
        units = None
    codes = area["code"]
    geoms = commune_geoms[commune_geoms["code"].isin(codes.to_list())] if commune_geoms is not None else None
    return Diagnostic(
        territory=name, level=area_level or "france", code=area_code, ifn=ifn, population=population,
        thresholds=thresholds, table=area, priority=priority, totals=totals, comparison=comparison,
        indicators=tuple((i, cat.indicator(i).label, cat.indicator(i).unit) for i in ids),
        places=in_area(offer.places, communes, area_level, area_code), sources=tuple(source_rows(cat)),
        geometries=geoms, classes=classes, units=units, rejected=offer.rejected.height)


def pdf_available() -> bool:
    """Whether ``to_pdf`` can render here (WeasyPrint and Pango importable)."""
    try:
        import weasyprint  # noqa: F401
    except Exception:  # noqa: BLE001
        return False
    return True

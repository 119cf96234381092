"""Map page: choropleth of the IFN, search, territory card, comparison, exports (widgets only)."""

import html
from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import altair as alt
import polars as pl
import streamlit as st
from streamlit_folium import st_folium

from ifn import cardview, urlstate
from ifn import export as exports
from ifn.classify import METHOD_LABELS, METHODS
from ifn.errors import IFNError
from ifn.framing import FRAME_LABELS, METROPOLE_FRAME, frame_department, map_frame, tile_frame
from ifn.mapview import (
    LEVEL_LABELS,
    METROPOLE,
    build_map,
    clicked_code,
    tile_layer,
    tile_map,
    tile_view,
)
from ifn.methodology import official_table, variant_summary
from ifn.search import search
from ifn.territory import LEVEL_LABELS as UNIT_LABELS
from ifn.territory import card, compare_table, fmt_value
from ifn.text import plain
from ifn.vintage import source_rows
from ui import carte_cache, data
from ui import tiles as ui_tiles
from ui.navigation import page_link, require_app

require_app()

STATE = "carte_state"
COMPARE = "carte_compare"
FRAMES = FRAME_LABELS
SEARCH_LIMIT = 8
LEAFLET_DIR = Path(__file__).resolve().parent.parent / "static" / "leaflet-1.9.3"
# Printing the page: no sidebar, header or widgets, only the map, the card and the tables.
PRINT_CSS = """<style>@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stButton"], [data-testid="stDownloadButton"], [data-testid="stSelectbox"],
  [data-testid="stTextInput"], [data-testid="stButtonGroup"], [data-testid="stExpander"],
  [data-testid="stPageLink"], .st-key-carte_recherche_zone, .st-key-carte_comparaison_zone { display: none !important; }
  [data-testid="stMain"] { margin-left: 0 !important; }
}</style>"""

st.title("Carte de la fragilité numérique")
st.html(PRINT_CSS)
if not data.ensure_data():
    st.stop()

catalogue = carte_cache.catalogue()
variants = {v.id: v.label for v in catalogue.variants}


if STATE not in st.session_state:
    state, notices = urlstate.decode(dict(st.query_params), variants, carte_cache.known_codes(urlstate.DEFAULT.variant),
                                     national_communes=ui_tiles.manifest() is not None)
    st.session_state[STATE] = state
    st.session_state["carte_notices"] = notices
for notice in st.session_state.get("carte_notices", []):
    st.info(plain(notice))


def _state() -> urlstate.MapState:
    return st.session_state[STATE]


def _set_state(state: urlstate.MapState) -> None:
    st.session_state[STATE] = state
    st.query_params.from_dict(urlstate.encode(state))


def _on_level() -> None:
    level, s = st.session_state["carte_niveau"], _state()
    if level == "commune" and not s.code and ui_tiles.manifest() is not None:  # tiles: national communes
        _set_state(urlstate.MapState("commune", s.level, s.code, s.variant, s.method))
    else:
        _set_state(urlstate.with_map_level(s, level))
    st.session_state["carte_frame"] = "metropole"


def _on_variant() -> None:
    _set_state(replace(_state(), variant=st.session_state["carte_variante"]))


def _on_method() -> None:
    _set_state(replace(_state(), method=st.session_state["carte_methode"]))


def _on_frame() -> None:
    dep = frame_department(_state().map_level, st.session_state["carte_frame"])
    if dep is not None:
        _set_state(urlstate.select(_state(), "departement", dep))


def _choose(hit) -> None:
    """A suggestion was clicked: select it, say where a former name or a sub-unit leads, empty the box."""
    _set_state(urlstate.select(_state(), hit.level, hit.code))
    st.session_state["carte_frame"] = "metropole"
    st.session_state["carte_notices"] = [hit.notice] if hit.notice else []
    st.session_state["carte_recherche"] = ""
    st.session_state["carte_choisi"] = True


def _add_compare(level: str, code: str) -> None:
    _set_state(urlstate.with_compared(_state(), level, code))


def _clear_compare() -> None:
    _set_state(urlstate.without_compared(_state()))


def _sync_widgets(state: urlstate.MapState) -> None:
    st.session_state["carte_niveau"] = state.map_level
    st.session_state["carte_variante"] = state.variant
    st.session_state["carte_methode"] = state.method
    st.session_state.setdefault("carte_frame", "metropole")


def _commune_dep(tables: dict, state: urlstate.MapState) -> str | None:
    if state.level not in ("commune", "iris") or not state.code:
        return None
    row = tables[state.level].filter(pl.col("code") == state.code)
    return row["dep"][0] if row.height else None


def _iris_commune(tables: dict, state: urlstate.MapState) -> str | None:
    if state.level != "iris" or not state.code:
        return None
    row = tables["iris"].filter(pl.col("code") == state.code)
    return row["commune"][0] if row.height else None


def _in_drom(tables: dict, state: urlstate.MapState) -> bool:
    """Is the selected territory overseas (no IRIS there)?"""
    if not state.code or state.level not in tables:
        return False
    row = tables[state.level].filter(pl.col("code") == state.code)
    dep = row["dep"][0] if row.height and "dep" in row.columns else state.code
    return bool(dep) and dep.startswith("97")


@st.fragment
def search_box() -> None:
    """One box: suggestions appear under it while typing (its own fragment: typing never redraws the map)."""
    if st.session_state.pop("carte_choisi", False):
        st.rerun()  # a suggestion was chosen: the map and the card below must follow
    with st.container(key="carte_recherche_zone"):
        query = st.text_input("Rechercher un territoire", key="carte_recherche", live=True,
                              placeholder="Nom ou code : commune, EPCI, département…")
        hits = search(carte_cache.search_index(), query, limit=SEARCH_LIMIT) if query and query.strip() else []
        if query and query.strip() and not hits:
            st.caption(f"Aucun territoire ne correspond à « {plain(query)} ».")
        for i, hit in enumerate(hits):
            st.button(plain(hit.label), key=f"carte_suggestion_{i}", type="tertiary", on_click=_choose, args=(hit,),
                      icon=":material/location_on:")


def _settings(state: urlstate.MapState, tables: dict, area) -> dict[str, str]:
    """What the exports and the printable card say about the view (French labels, names not ids)."""
    return {"Niveau": LEVEL_LABELS[state.map_level], "Zone": cardview.area_label(tables, area), "Variante": variants.get(state.variant, state.variant),
            "Classes de la carte": METHOD_LABELS[state.method]}


def _now() -> str:
    return datetime.now(UTC).strftime("%d/%m/%Y %H:%M UTC")


def _sources_note() -> str:
    return "Sources : " + " ; ".join(f"{r['source']} ({r['millesime']})" for r in source_rows(catalogue)) + "."


def _card(tables: dict, state: urlstate.MapState, settings: dict[str, str]) -> None:
    if not state.code:
        st.info("Cliquez sur un territoire de la carte ou recherchez-le pour afficher sa fiche.")
        return
    variant = catalogue.variant(state.variant)
    details = carte_cache.commune_details(state.level, state.code)
    c = card(tables, state.level, state.code, carte_cache.classes(state.variant, state.level, state.method),
             carte_cache.france(state.variant), variant.indicators, variant.context, catalogue, details)
    st.subheader(plain(f"{c.name} ({UNIT_LABELS[c.level]} {c.code})"))
    st.caption(plain(variant_summary(variant.id, catalogue)))
    with st.expander(f"Variante « {plain(variant.label)} » : construction et écarts avec l'IFN officiel"):
        st.table([{k: plain(v) for k, v in r.items()} for r in official_table(variant, catalogue)], hide_index=True)
    swatch = (f'<span style="background:{html.escape(c.colour)};display:inline-block;width:16px;height:16px;'
              f'border:1px solid #777;vertical-align:middle"></span> Classe : {html.escape(c.class_label)}')
    st.metric("IFN (1 à 10)", cardview.fmt_ifn(c.ifn))
    st.markdown(swatch, unsafe_allow_html=True)
    # Ranks and population in a two-column table: « 31 194 sur 34 875 » is never cut in the narrow column.
    st.html(f"<style>{cardview.CARD_CSS}</style><div class='ifn-card'>{cardview.headline_html(c, with_score=False)}</div>")
    st.caption(cardview.SCALE_NOTE)
    notices = [n for n in (cardview.coverage_notice(c, details), cardview.outline_notice(details)) if n]
    if c.motif:
        st.warning(f"Pas de score : {plain(c.motif)}")
    for notice in notices:
        st.info(plain(notice))
    st.html(cardview.card_body_html(c))
    page_link("methode", "Méthode et sources : définitions, formules, millésimes", ":material/menu_book:")
    b1, b2 = st.columns(2)
    b1.button("Ajouter à la comparaison", key="carte_ajouter", on_click=_add_compare, args=(c.level, c.code))
    b2.download_button("Fiche imprimable (HTML)",
                       lambda: cardview.printable_card(c, ([f"Pas de score : {c.motif}"] if c.motif else []) + notices,
                                                       settings, _now(), _sources_note()).encode("utf-8"),
                       f"fiche_ifn_{c.level}_{c.code}.html", "text/html", key="carte_fiche", on_click="ignore")


def _compare(tables: dict, state: urlstate.MapState) -> None:
    items = list(state.compared)
    with st.container(key="carte_comparaison_zone"):
        st.subheader("Comparer des territoires")
        if not items:
            st.caption("Ajoutez des territoires depuis leur fiche pour les comparer.")
            return
        ids = catalogue.variant(state.variant).indicators
        table = compare_table(tables, items, ids)
        st.html(cardview.compare_html(table, catalogue, ids))
        labels = {f"score_{i}": cardview.chart_label(catalogue, i) for i in ids}
        long = (table.with_columns((pl.col("territoire") + " (" + pl.col("code") + ")").alias("Territoire"))
                .unpivot(index="Territoire", on=["ifn", *labels], variable_name="Indicateur", value_name="Score")
                .with_columns(pl.col("Indicateur").replace({"ifn": "IFN", **labels}), pl.col("Score").round(1)))
        long = long.with_columns(pl.Series("Valeur", [fmt_value(v) for v in long["Score"].to_list()]))
        chart = alt.Chart(long.to_pandas()).mark_bar().encode(
            y=alt.Y("Indicateur:N", sort=["IFN", *labels.values()], axis=alt.Axis(labelLimit=0, title=None)),
            yOffset="Territoire:N",
            x=alt.X("Score:Q", scale=alt.Scale(domain=[0, 10]), title="Score de 1 (le moins fragile) à 10 (le plus fragile)",
                    axis=alt.Axis(values=list(range(0, 11)), format="d")),
            color=alt.Color("Territoire:N", legend=alt.Legend(orient="bottom", labelLimit=0, columns=1)),
            tooltip=["Territoire", "Indicateur", alt.Tooltip("Valeur:N", title="Score")],  # « 6,8 »
        ).properties(height=alt.Step(10))
        st.altair_chart(chart, width="stretch")
        st.button("Vider la comparaison", key="carte_vider", on_click=_clear_compare)


def _exports(view, state: urlstate.MapState, settings: dict[str, str]) -> None:
    name = view.level if not view.area else f"{view.level}_{view.area[1]}"
    name += "" if _state().variant == urlstate.DEFAULT.variant else f"_{_state().variant}"
    ids = catalogue.variant(state.variant).indicators + catalogue.variant(state.variant).context
    title = f"Indice de Fragilité Numérique — {view.title.removeprefix('IFN — ')}"
    if view.area:
        title += f" — {settings['Zone']}"

    def table():
        return exports.readable_table(view.table, catalogue, ids, view.classes.label(view.table["ifn"]))

    def metadata():
        return exports.export_metadata(title, settings, source_rows(catalogue), _now())

    def geojson():
        gdf = exports.with_geometry(table(), data.geometries(view.level), on="Code")
        return exports.to_geojson_view_bytes(gdf, metadata())

    def map_html():
        # A map of its own (the one drawn on the page was renamed by st_folium), Leaflet inlined.
        fmap = build_map(view.geojson, view.classes, view.title, leaflet="")
        subtitle = " · ".join(f"{k} : {v}" for k, v in settings.items()) + f" · {_now()}"
        return exports.offline_map_html(fmap, title, subtitle, LEAFLET_DIR)

    st.markdown("**Télécharger les territoires affichés**")
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button("Tableau (CSV)", lambda: exports.to_readable_csv_bytes(table(), metadata()),
                       f"ifn_{name}.csv", "text/csv", key="carte_csv", on_click="ignore")
    c2.download_button("Tableau (Excel)", lambda: exports.to_xlsx_bytes(table(), metadata=metadata()),
                       f"ifn_{name}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="carte_xlsx",
                       on_click="ignore")
    c3.download_button("Contours (GeoJSON)", geojson, f"ifn_{name}.geojson", "application/geo+json",
                       key="carte_geojson", on_click="ignore")
    c4.download_button("Carte (HTML hors ligne)", map_html, f"carte_ifn_{name}.html", "text/html",
                       key="carte_html", on_click="ignore")
    st.caption("Le tableau porte en tête les sources, millésimes, réglages et la date ; valeurs arrondies à une "
               "décimale. La carte HTML s'ouvre sans connexion (fond de carte absent hors ligne).")


class _LazyMap:
    """The standalone-HTML export's folium map, built (from the per-area GeoJSON) only when downloaded."""

    def __init__(self, make):
        self._make = make

    def get_root(self):
        return self._make().get_root()


def _on_map_change(key: str, known: Collection[str]) -> None:
    """Callback of the map: a click selects its unit (once per click) before the rerun, which draws the card."""
    returned = st.session_state.get(key)
    state = _state()
    code = clicked_code(returned, known)
    feature = (returned or {}).get("last_active_drawing") if isinstance(returned, dict) else None
    click = (code, (feature.get("properties") or {}).get("clic") if isinstance(feature, dict) else None)
    if code and st.session_state.get(f"{key}_done") != click:
        st.session_state[f"{key}_done"] = click
        if code != state.code:
            _set_state(urlstate.select(state, state.map_level, code))


def _geojson_map(state: urlstate.MapState, area):
    """Fallback without tiles: today's per-area GeoJSON map (a new iframe per view)."""
    view = carte_cache.view(state.variant, state.map_level, area, state.method)
    frame = map_frame(state.map_level, st.session_state.get("carte_frame", METROPOLE_FRAME), state.level, state.code,
                      view.geojson)
    selected = state.code if state.level == state.map_level else None
    fmap = carte_cache.folium_map(state.variant, state.map_level, area, state.method, frame, selected)

    def draw(view, state):
        key = f"carte_map_{state.map_level}_{area[1] if area else 'fr'}_{state.method}_{state.variant}"
        known = set(view.table["code"].to_list())
        st_folium(fmap, key=key, height=560, use_container_width=True, returned_objects=["last_active_drawing"],
                  on_change=partial(_on_map_change, key, known))
    return view, fmap, draw


def _tile_map(state: urlstate.MapState, area, manifest: dict):
    """The national tile map: one iframe per session, each view sends only its classes."""
    view = carte_cache.table_view(state.variant, state.map_level, area, state.method)
    selected = state.code if state.level == state.map_level else None
    frame = tile_frame(state.map_level, st.session_state.get("carte_frame", METROPOLE_FRAME), state.level, state.code,
                       area, ui_tiles.bounds)
    whole = carte_cache.scored(state.variant)[state.map_level]
    spec = tile_view(manifest, state.map_level, whole, view.classes, view.title, static=ui_tiles.static(),
                     selected=selected, frame=frame, outline="departement" if state.map_level == "commune" else None)
    fmap = _LazyMap(lambda: carte_cache.folium_map(state.variant, state.map_level, area, state.method,
                                                   None if area else METROPOLE, selected))

    def draw(view, state):
        key = "carte_map_tuiles"
        known = carte_cache.known_codes(state.variant)[state.map_level]
        st_folium(tile_map(ui_tiles.static()), key=key, height=560, use_container_width=True,
                  feature_group_to_add=tile_layer(spec), returned_objects=["last_active_drawing"],
                  on_change=partial(_on_map_change, key, known))
    return view, fmap, draw


@st.fragment
def explorer() -> None:
    state = _state()
    tables = carte_cache.scored(state.variant)
    state, iris_notice = urlstate.iris_fallback(state, _in_drom(tables, state))
    if iris_notice:
        _set_state(state)
    _sync_widgets(state)
    st.segmented_control("Niveau de la carte", list(LEVEL_LABELS), key="carte_niveau",
                         format_func=LEVEL_LABELS.get, on_change=_on_level, required=True)
    c2, c3, c4 = st.columns(3)
    c2.selectbox("Variante", list(variants), key="carte_variante", format_func=variants.get, on_change=_on_variant)
    c3.selectbox("Classes", list(METHODS), key="carte_methode", format_func=METHOD_LABELS.get, on_change=_on_method)
    c4.selectbox("Cadrage", list(FRAMES), key="carte_frame", format_func=FRAMES.get, on_change=_on_frame)
    if iris_notice:
        st.info(plain(iris_notice))
    area = urlstate.view_area(state, _commune_dep(tables, state), _iris_commune(tables, state))
    manifest = ui_tiles.manifest()
    if manifest is None or state.map_level == "iris":  # no IRIS tiles: an IRIS view is drawn from GeoJSON
        view, fmap, map_draw = _geojson_map(state, area)
    else:
        view, fmap, map_draw = _tile_map(state, area, manifest)
    where = f" — {plain(area[1])}" if area else ""
    n_shown = view.table.height if manifest and view.level != "iris" else len(view.geojson["features"])
    st.caption(f"{LEVEL_LABELS[view.level]}{where} : {n_shown} territoires affichés. "
               "Cliquez sur un territoire pour afficher sa fiche.")
    if manifest is None:
        st.caption(ui_tiles.FALLBACK_NOTICE)
    if view.level == "iris":
        undrawn = view.table.height - len(view.geojson["features"])
        if undrawn:
            st.info(f"{undrawn} IRIS de cette vue n'ont pas de contour dans le jeu de données (Lyon et Marseille "
                    "n'ont pas de contours d'IRIS) : ils restent dans la fiche, le tableau et les exports.")
    if (manifest is None or view.level == "iris") and not view.geojson["features"]:
        st.info("Aucun contour n'est disponible pour cette vue : la carte est vide ; la fiche et le tableau "
                "restent consultables.")
    map_col, card_col = st.columns([3, 2])
    with map_col:
        map_draw(view, state)
    settings = _settings(state, tables, area)
    with card_col:
        _card(tables, state, settings)
    # Drawn only once opened (the sortable grid is heavy for a first display).
    table_box = st.expander("Tableau des territoires affichés (alternative accessible à la carte)",
                            key="carte_tableau_ouvert", on_change="rerun")
    with table_box:
        if table_box.open:
            shown = view.table.select(
                pl.col("nom").alias("Territoire"), pl.col("code").alias("Code"), pl.col("ifn").round(1).alias("IFN"),
                pl.Series("Classe", view.classes.label(view.table["ifn"])),
            ).sort("IFN", descending=True, nulls_last=True)
            st.dataframe(shown, hide_index=True, key="carte_tableau",
                         column_config={"IFN": st.column_config.NumberColumn(
                             "IFN (1 à 10)", format="localized", step=0.1)})  # « 6,0 », never « 6 »
    _exports(view, state, settings)
    _compare(tables, state)


try:
    search_box()
    explorer()
except IFNError as exc:
    st.error(plain(exc))

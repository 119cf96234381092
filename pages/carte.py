"""Map page: choropleth of the IFN, search, territory card, comparison, exports (widgets only)."""

import html

import polars as pl
import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit_folium import st_folium

from ifn import urlstate
from ifn.classify import METHOD_LABELS, METHODS
from ifn.errors import IFNError
from ifn.export import to_csv_bytes, to_xlsx_bytes
from ifn.mapview import (DROM, LEVEL_LABELS, METROPOLE, clicked_code, feature_bounds, standalone_html, tile_layer,
                         tile_map, tile_view)
from ifn.search import search
from ifn.territory import LEVEL_LABELS as UNIT_LABELS
from ifn.territory import card, compare_table, fmt_value
from ifn.text import plain
from ui import carte_cache, data
from ui import tiles as ui_tiles
from ui.navigation import require_app

require_app()

STATE = "carte_state"
COMPARE = "carte_compare"
FRAMES = {"metropole": "France métropolitaine", **{code: name for code, (name, _) in DROM.items()}}

st.title("Carte de la fragilité numérique")
if not data.ensure_data():
    st.stop()

catalogue = carte_cache.catalogue()
variants = {v.id: v.label for v in catalogue.variants}


def _codes() -> dict[str, set[str]]:
    return {lvl: set(t["code"].to_list()) for lvl, t in carte_cache.scored(urlstate.DEFAULT.variant).items()}


if STATE not in st.session_state:
    state, notices = urlstate.decode(dict(st.query_params), variants, _codes(),
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
    s = _state()
    _set_state(urlstate.MapState(s.map_level, s.level, s.code, st.session_state["carte_variante"], s.method))


def _on_method() -> None:
    s = _state()
    _set_state(urlstate.MapState(s.map_level, s.level, s.code, s.variant, st.session_state["carte_methode"]))


def _on_frame() -> None:
    frame = st.session_state["carte_frame"]
    if frame != "metropole" and _state().map_level == "commune":
        _set_state(urlstate.select(_state(), "departement", frame))


def _on_search() -> None:
    hit = st.session_state.get("carte_resultat")
    if hit is not None:
        _set_state(urlstate.select(_state(), hit.level, hit.code))
        st.session_state["carte_frame"] = "metropole"
        st.session_state["carte_notices"] = [hit.notice] if hit.notice else []


def _add_compare(level: str, code: str) -> None:
    items = st.session_state.setdefault(COMPARE, [])
    if (level, code) not in items:
        items.append((level, code))


def _sync_widgets(state: urlstate.MapState) -> None:
    st.session_state["carte_niveau"] = state.map_level
    st.session_state["carte_variante"] = state.variant
    st.session_state["carte_methode"] = state.method
    st.session_state.setdefault("carte_frame", "metropole")


def _commune_dep(tables: dict, state: urlstate.MapState) -> str | None:
    if state.level != "commune" or not state.code:
        return None
    row = tables["commune"].filter(pl.col("code") == state.code)
    return row["dep"][0] if row.height else None


def _search_box() -> None:
    # Both widgets are always drawn so that the map below never moves (a move would reload it).
    c1, c2 = st.columns(2)
    query = c1.text_input("Rechercher un territoire", key="carte_recherche",
                          placeholder="Commune, code postal, code INSEE, EPCI ou département")
    hits = search(carte_cache.search_index(), query, limit=10) if query else []
    if not query:
        placeholder = "Saisissez un nom ou un code"
    elif not hits:
        placeholder = f"Aucun territoire ne correspond à « {query} »"
    else:
        placeholder = f"{len(hits)} résultat(s) : choisissez un territoire"
    c2.selectbox("Résultats", hits, index=None, key="carte_resultat", format_func=lambda h: h.label,
                 on_change=_on_search, placeholder=placeholder, disabled=not hits)


def _card(tables: dict, state: urlstate.MapState) -> None:
    if not state.code:
        st.info("Cliquez sur un territoire de la carte ou recherchez-le pour afficher sa fiche.")
        return
    variant = catalogue.variant(state.variant)
    c = card(tables, state.level, state.code, carte_cache.classes(state.variant, state.level, state.method),
             carte_cache.france(state.variant), variant.indicators, variant.context, catalogue,
             carte_cache.commune_details(state.level, state.code))
    st.subheader(plain(f"{c.name} ({UNIT_LABELS[c.level]} {c.code})"))
    swatch = (f'<span style="background:{html.escape(c.colour)};display:inline-block;width:16px;height:16px;'
              f'border:1px solid #777;vertical-align:middle"></span> Classe : {html.escape(c.class_label)}')
    # Two metrics per row: a rank such as "12 345 / 34 968" must not be cut in the narrow card column.
    m1, m2 = st.columns(2)
    m1.metric("IFN (1 à 10)", fmt_value(c.ifn) + ("/10" if c.ifn is not None else ""))
    m2.metric("Rang dans le département", f"{c.rank_dep} / {c.n_dep}" if c.rank_dep else "—",
              help="1 = le plus fragile parmi les territoires de même niveau du département.")
    m3, _ = st.columns(2)
    m3.metric("Rang en France", f"{c.rank_france} / {c.n_france}" if c.rank_france else "—",
              help="1 = le plus fragile parmi les territoires de même niveau en France.")
    st.markdown(swatch, unsafe_allow_html=True)
    if c.motif:
        st.warning(f"Pas de score : {plain(c.motif)}")
    if c.population is not None:
        st.caption(f"Population municipale 2023 (en vigueur en 2026) : {c.population:,}".replace(",", " "))

    def rows(items):
        # st.table renders Markdown in its cells: texts from the catalogue and the bundle are escaped
        return [{"Indicateur": plain(r.label), "Valeur": fmt_value(r.raw, r.unit), "Score (1 à 10)": fmt_value(r.score),
                 "Imputée": "oui" if r.imputed else "non", "Remarque": plain(r.reason or (r.proxy_note or "")),
                 "Définition": plain(r.definition), "Source": plain(r.source), "Millésime": plain(r.vintage)}
                for r in items]

    # Static HTML tables (st.table): the interactive grid's scripts would delay the first map by ~0.3 s.
    st.markdown("**Indicateurs de l'indice**")
    st.table(rows(c.indicators), hide_index=True)
    st.markdown("**Contexte du territoire** (non intégré à l'indice)")
    st.table(rows(c.context), hide_index=True)
    st.markdown("**Comparaison avec le département et la France** (valeurs brutes)")
    labels = {r.id: f"{r.label} ({r.unit})" for r in c.indicators + c.context}
    st.table([{"Territoire": plain(r["territoire"]), "IFN": fmt_value(r["ifn"]),
               **{labels[i]: fmt_value(r[i]) for i in labels}} for r in c.comparison], hide_index=True)
    st.button("Ajouter à la comparaison", key="carte_ajouter", on_click=_add_compare, args=(c.level, c.code))


def _compare(tables: dict, state: urlstate.MapState) -> None:
    items = st.session_state.get(COMPARE, [])
    st.subheader("Comparer des territoires")
    if not items:
        st.caption("Ajoutez des territoires depuis leur fiche pour les comparer.")
        return
    variant = catalogue.variant(state.variant)
    ids = variant.indicators
    table = compare_table(tables, items, ids)
    labels = {f"score_{i}": catalogue.indicator(i).label for i in ids}
    shown = table.rename({"territoire": "Territoire", "niveau": "Niveau", "code": "Code", "ifn": "IFN", **labels})
    st.dataframe(shown, hide_index=True, key="carte_comparaison")
    long = (table.with_columns((pl.col("territoire") + " (" + pl.col("code") + ")").alias("Territoire"))
            .unpivot(index="Territoire", on=["ifn", *labels], variable_name="Indicateur", value_name="Score")
            .with_columns(pl.col("Indicateur").replace({"ifn": "IFN", **labels})))
    st.bar_chart(long, x="Indicateur", y="Score", color="Territoire", stack=False, horizontal=True)
    st.button("Vider la comparaison", key="carte_vider", on_click=st.session_state.__setitem__, args=(COMPARE, []))


def _exports(view, fmap) -> None:
    name = view.level if not view.area else f"{view.level}_{view.area[1]}"
    c1, c2, c3 = st.columns(3)
    c1.download_button("Télécharger le tableau (CSV)", lambda: to_csv_bytes(view.table), f"ifn_{name}.csv",
                       "text/csv", key="carte_csv", on_click="ignore")
    meta = {"Niveau": LEVEL_LABELS[view.level], "Zone": view.area[1] if view.area else "France",
            "Classes": METHOD_LABELS[view.classes.method]}
    c2.download_button("Télécharger le tableau (Excel)", lambda: to_xlsx_bytes(view.table, metadata=meta),
                       f"ifn_{name}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="carte_xlsx",
                       on_click="ignore")
    c3.download_button("Télécharger la carte (HTML)", lambda: standalone_html(fmap), f"carte_ifn_{name}.html",
                       "text/html", key="carte_html", on_click="ignore")


def _rerun_fragment() -> None:
    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:  # not in a fragment rerun (first run of the page)
        st.rerun()


def _frame(state: urlstate.MapState, area, tiles: bool):
    """Framing (west, south, east, north) of the map; None = the layer's own bounds (GeoJSON map)."""
    frame_key = st.session_state.get("carte_frame", "metropole")
    if frame_key in DROM and (tiles or state.map_level != "commune"):
        return DROM[frame_key][1]
    if state.map_level != "commune" or (tiles and not area and not state.code):
        return METROPOLE
    if state.level == "commune" and state.code:
        return ui_tiles.bounds("commune", state.code) if tiles else None
    return ui_tiles.bounds(*area) if tiles and area else None


class _LazyMap:
    """The standalone-HTML export's folium map, built (from the per-area GeoJSON) only when downloaded."""

    def __init__(self, make):
        self._make = make

    def get_root(self):
        return self._make().get_root()


def _clicked(key: str, returned, known: set[str], state: urlstate.MapState) -> None:
    code = clicked_code(returned, known)
    feature = (returned or {}).get("last_active_drawing") if isinstance(returned, dict) else None
    click = (code, (feature.get("properties") or {}).get("clic") if isinstance(feature, dict) else None)
    if code and st.session_state.get(f"{key}_done") != click:
        st.session_state[f"{key}_done"] = click
        if code != state.code:
            _set_state(urlstate.select(state, state.map_level, code))
            _rerun_fragment()


def _geojson_map(state: urlstate.MapState, area):
    """Fallback without tiles: today's per-area GeoJSON map (a new iframe per view)."""
    view = carte_cache.view(state.variant, state.map_level, area, state.method)
    frame = _frame(state, area, tiles=False)
    if state.map_level == "commune" and state.level == "commune" and state.code:
        frame = feature_bounds(view.geojson, state.code)
    selected = state.code if state.level == state.map_level else None
    fmap = carte_cache.folium_map(state.variant, state.map_level, area, state.method, frame, selected)

    def draw(view, state):
        key = f"carte_map_{state.map_level}_{area[1] if area else 'fr'}_{state.method}_{state.variant}"
        returned = st_folium(fmap, key=key, height=560, use_container_width=True,
                             returned_objects=["last_active_drawing"])
        _clicked(key, returned, set(view.table["code"].to_list()), state)
    return view, fmap, draw


def _tile_map(state: urlstate.MapState, area, manifest: dict):
    """The national tile map: one iframe per session, each view sends only its classes."""
    view = carte_cache.table_view(state.variant, state.map_level, area, state.method)
    selected = state.code if state.level == state.map_level else None
    frame = _frame(state, area, tiles=True)
    whole = carte_cache.scored(state.variant)[state.map_level]
    spec = tile_view(manifest, state.map_level, whole, view.classes, view.title, static=ui_tiles.static(),
                     selected=selected, frame=frame, outline="departement" if state.map_level == "commune" else None)
    fmap = _LazyMap(lambda: carte_cache.folium_map(state.variant, state.map_level, area, state.method,
                                                   None if area else METROPOLE, selected))

    def draw(view, state):
        key = "carte_map_tuiles"
        returned = st_folium(tile_map(ui_tiles.static()), key=key, height=560, use_container_width=True,
                             feature_group_to_add=tile_layer(spec), returned_objects=["last_active_drawing"])
        _clicked(key, returned, set(whole["code"].to_list()), state)
    return view, fmap, draw


@st.fragment
def explorer() -> None:
    state = _state()
    _sync_widgets(state)
    tables = carte_cache.scored(state.variant)
    st.segmented_control("Niveau de la carte", list(LEVEL_LABELS), key="carte_niveau",
                         format_func=LEVEL_LABELS.get, on_change=_on_level, required=True)
    c2, c3, c4 = st.columns(3)
    c2.selectbox("Variante", list(variants), key="carte_variante", format_func=variants.get, on_change=_on_variant)
    c3.selectbox("Classes", list(METHODS), key="carte_methode", format_func=METHOD_LABELS.get, on_change=_on_method)
    c4.selectbox("Cadrage", list(FRAMES), key="carte_frame", format_func=FRAMES.get, on_change=_on_frame)
    _search_box()
    area = urlstate.view_area(state, _commune_dep(tables, state))
    manifest = ui_tiles.manifest()
    if manifest is None:
        view, fmap, map_draw = _geojson_map(state, area)
    else:
        view, fmap, map_draw = _tile_map(state, area, manifest)
    where = f" — {plain(area[1])}" if area else ""
    n_shown = view.table.height if manifest else len(view.geojson["features"])
    st.caption(f"{LEVEL_LABELS[view.level]}{where} : {n_shown} territoires affichés. "
               "Cliquez sur un territoire pour afficher sa fiche.")
    if manifest is None:
        st.caption(ui_tiles.FALLBACK_NOTICE)
        if not view.geojson["features"]:
            st.info("Aucun contour n'est disponible pour cette vue : la carte est vide ; la fiche et le tableau "
                    "restent consultables.")
    map_col, card_col = st.columns([3, 2])
    with map_col:
        map_draw(view, state)
    with card_col:
        _card(tables, state)
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
                         column_config={"IFN": st.column_config.NumberColumn("IFN", format="localized")})
    _exports(view, fmap)
    _compare(tables, state)


try:
    explorer()
except IFNError as exc:
    st.error(plain(exc))

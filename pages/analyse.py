"""Analyst page: weights, selections, sensitivity and the user's own indicators (widgets only).

All computation is in ``ifn`` (score, sensitivity, upload, presets, export) and
``ui.analyse_cache``; settings are applied together through ``st.form``.
"""

from pathlib import Path

import numpy as np
import polars as pl
import streamlit as st
from streamlit_folium import st_folium

from ifn import analysis, export
from ifn import sensitivity as sens
from ifn.catalogue import load_catalogue
from ifn.classify import classify, fr_number
from ifn.errors import IFNError, InputError
from ifn.mapview import METROPOLE, build_map, feature_collection, score_suffix, tile_layer, tile_map, tile_view
from ifn.methodology import variant_summary
from ifn.normalise import METHODS
from ifn.presets import dump_preset, read_preset
from ifn.score import ScoreOptions
from ifn.text import plain
from ifn.upload import (
    COMBINE_LABELS,
    COMBINES,
    DIRECTION_LABELS,
    DIRECTIONS,
    MAX_BYTES,
    CustomIndicator,
    guess_columns,
    indicator_id,
    parse_indicator,
    read_table,
)
from ui import analyse_cache, data
from ui import tiles as ui_tiles
from ui.navigation import require_app

require_app()

METHOD_LABELS = {"rank": "Rang centile (défaut)", "decile": "Déciles", "minmax": "Min–max winsorisé",
                 "base100": "Base 100 (territoire de référence)"}
LEVEL_LABELS = {"commune": "Communes", "epci": "EPCI", "departement": "Départements", "region": "Régions",
                "iris": "IRIS"}
REFERENCE_LABELS = {"france": "France entière", "reg": "Région (de chaque unité ou code ci-dessous)",
                    "dep": "Département (de chaque unité ou code ci-dessous)"}
ALL = analysis.ALL_TERRITORIES
WRAPPED_ROW = 68  # px: Streamlit's grid wraps text only in rows taller than 4rem (64 px)
MAX_UPLOAD_MB = MAX_BYTES // (1024 * 1024)  # = server.maxUploadSize of .streamlit/config.toml (tests check it)
MAX_UNKNOWN_SHOWN = 20

state = st.session_state
st.title("Analyse et pondérations")
st.markdown(
    "Testez vos propres hypothèses : changez le poids des indicateurs (0 = exclu), la normalisation, "
    "l'imputation, ajoutez votre indicateur local, et voyez aussitôt ce qui change par rapport à l'IFN par "
    "défaut. Les réglages s'appliquent ensemble avec le bouton **Appliquer**."
)
if not data.ensure_data():
    st.stop()

fp = data.fingerprint()
catalogue = load_catalogue()
state.setdefault("an_customs", [])
state.setdefault("an_variant", "tout_age")
state.setdefault("an_method", "rank")
state.setdefault("an_ref_kind", "france")
state.setdefault("an_ref_code", "")
state.setdefault("an_impute", True)
state.setdefault("an_min", 3)
state.setdefault("an_level", "epci")
state.setdefault("an_dep", ALL)
customs: list[CustomIndicator] = state["an_customs"]


def weight_key(id: str) -> str:
    return f"an_w_{id}"


def catalogue_ids() -> tuple[str, ...]:
    return catalogue.variant(state["an_variant"]).all_ids


for _id in catalogue_ids():
    state.setdefault(weight_key(_id), 1.0 if _id in catalogue.variant(state["an_variant"]).indicators else 0.0)


def apply_preset(options: ScoreOptions) -> None:
    """Write a loaded preset into the widgets of the settings form."""
    state["an_variant"] = options.variant
    for id in list(catalogue_ids()) + [c.id for c in customs]:
        state[weight_key(id)] = float((options.weights or {}).get(id, 0.0))
    state["an_ref_kind"], state["an_ref_code"] = analysis.split_reference(options.reference)
    state["an_method"] = options.method
    state["an_impute"] = options.impute
    # the widget's bound: a territory cannot have more indicators than there are (the index caps it anyway)
    state["an_min"] = min(options.min_indicators, len(catalogue_ids()) + len(customs))


# --- Presets and custom indicators (before the form: they set its widgets) -------------------
left, right = st.columns(2)
with left.expander("Préréglage : charger un fichier de poids (TOML)"):
    preset_file = st.file_uploader("Fichier de poids (.toml)", type=["toml", "txt"], key="an_preset_file")
    if preset_file is not None and state.get("an_preset_done") != preset_file.file_id:
        state["an_preset_done"] = preset_file.file_id
        try:
            loaded = read_preset(preset_file.getvalue(), tuple(c.id for c in customs))
            apply_preset(loaded.options)
            st.success(f"Préréglage « {plain(preset_file.name)} » chargé dans les réglages.")
            for notice in loaded.notices:
                st.warning(plain(notice))
            absent = loaded.weighted_missing({c.id for c in customs})
            if absent:
                st.warning("Le préréglage pondère des indicateurs personnels absents de votre session : "
                           + ", ".join(f"« {plain(c.label)} » (fichier « {plain(c.file or '?')} »)" for c in absent)
                           + ". Ajoutez leur fichier sous le même nom dans « Ajouter votre propre indicateur », "
                             "puis donnez-leur leur poids.")
        except IFNError as exc:
            st.error(plain(exc))

with right.expander("Ajouter votre propre indicateur (CSV)", expanded=False):
    st.caption(f"Une colonne code commune (INSEE) et une colonne valeur ; séparateur « ; », « , » ou tabulation ; "
               f"UTF-8 ou Latin-1 ; virgule ou point décimal ; {MAX_UPLOAD_MB} Mo au plus. Les codes d'arrondissement "
               "de Paris, Lyon et Marseille et les codes de communes d'avant 2026 (fusionnées depuis) sont rattachés "
               "à leur commune de 2026 ; si plusieurs lignes tombent sur la même commune, dites s'il faut les "
               "additionner ou en faire la moyenne. L'indicateur reste dans votre session.")
    # Same limit as server.maxUploadSize: Streamlit refuses a larger file in the browser before sending it
    # (no HTTP 413); read_table checks the size again in French for any file that reaches the server.
    upload = st.file_uploader("Fichier CSV", type=["csv", "txt", "tsv"], key="an_upload",
                              max_upload_size=MAX_UPLOAD_MB, help=f"{MAX_UPLOAD_MB} Mo au plus.")
    table = None
    if upload is not None:
        try:
            table = read_table(upload.getvalue(), MAX_BYTES)
        except IFNError as exc:
            st.error(plain(exc))
    if table is not None:
        code_guess, value_guess = guess_columns(table)
        with st.form("an_custom_form"):
            c1, c2 = st.columns(2)
            code_col = c1.selectbox("Colonne du code commune", table.header, index=table.header.index(code_guess))
            value_col = c2.selectbox("Colonne de la valeur", table.header, index=table.header.index(value_guess))
            label = st.text_input("Nom de l'indicateur", value=Path(upload.name).stem)
            direction = st.radio("Sens", DIRECTIONS, format_func=DIRECTION_LABELS.get)
            combine = st.radio("Plusieurs lignes pour une même commune (arrondissements, communes fusionnées)",
                               COMBINES, format_func=COMBINE_LABELS.get, key="an_combine")
            weight = st.number_input("Poids dans l'indice", min_value=0.0, value=1.0, step=0.5)
            accept = st.checkbox("Utiliser le fichier même si certains codes ne correspondent à aucune commune")
            add = st.form_submit_button("Ajouter l'indicateur")
        if add:
            try:
                if not label.strip():
                    raise InputError("Donnez un nom à l'indicateur.")
                if any(c.label == label.strip() for c in customs):
                    raise InputError(f"Un indicateur personnel s'appelle déjà « {label.strip()} » : changez le nom.")
                parsed = parse_indicator(table, code_col, value_col, analyse_cache.known_codes(fp),
                                         analyse_cache.code_aliases(fp), combine)
                if parsed.unknown and not accept:
                    shown = ", ".join(f"{plain(code)} (ligne {line})" for line, code in parsed.unknown[:MAX_UNKNOWN_SHOWN])
                    more = f" et {len(parsed.unknown) - MAX_UNKNOWN_SHOWN} autres" if len(parsed.unknown) > MAX_UNKNOWN_SHOWN else ""
                    st.warning(f"{len(parsed.unknown)} code(s) ne correspondent à aucune commune (COG 2026) : "
                               f"{shown}{more}. Cochez « Utiliser le fichier même si… » pour ajouter les "
                               f"{parsed.values.height} autres valeurs.")
                else:
                    taken = set(catalogue.ids) | {c.id for c in customs}
                    new = CustomIndicator(id=indicator_id(label.strip(), taken), label=label.strip(),
                                          direction=direction, weight=float(weight), values=parsed.values,
                                          code_column=code_col, value_column=value_col, source=upload.name)
                    state["an_customs"] = customs = [*customs, new]
                    state[weight_key(new.id)] = float(weight)
                    note = f" ({len(parsed.unknown)} code(s) inconnu(s) ignoré(s))" if parsed.unknown else ""
                    st.success(f"Indicateur « {plain(new.label)} » ajouté : {parsed.values.height} communes{note}.")
                    for notice in parsed.notices():
                        st.info(plain(notice))
            except IFNError as exc:
                st.error(plain(exc))
    for ind in customs:
        a, b = st.columns([4, 1])
        a.markdown(f"**{plain(ind.label)}** (`{ind.id}`) — {ind.values.height} communes, "
                   f"{DIRECTION_LABELS[ind.direction].lower()}")
        if b.button("Retirer", key=f"an_rm_{ind.id}"):
            state["an_customs"] = [c for c in customs if c.id != ind.id]
            state.pop(weight_key(ind.id), None)
            st.rerun()

# --- Settings form -------------------------------------------------------------------------------
deps = analyse_cache.territories(fp)
dep_names = dict(zip(deps["dep"].to_list(), deps["dep_nom"].to_list()))
dep_region = dict(zip(deps["dep"].to_list(), deps["reg"].to_list()))
variant = catalogue.variant(state["an_variant"])
labels = {i: catalogue.indicator(i).label for i in variant.all_ids} | {c.id: c.label for c in customs}

with st.form("an_settings"):
    st.subheader("Réglages")
    c1, c2, c3 = st.columns(3)
    level = c1.selectbox("Niveau", analysis.ANALYSIS_LEVELS, format_func=LEVEL_LABELS.get, key="an_level")
    territory = c2.selectbox("Territoire affiché", [ALL, *dep_names],
                             format_func=lambda d: "France entière" if d == ALL else f"{d} — {dep_names[d]}",
                             key="an_dep")
    c3.selectbox("Variante", [v.id for v in catalogue.variants],
                 format_func=lambda v: catalogue.variant(v).label, key="an_variant")
    c1.selectbox("Normalisation", METHODS, format_func=METHOD_LABELS.get, key="an_method")
    c2.selectbox("Référence (base 100)", list(REFERENCE_LABELS), format_func=REFERENCE_LABELS.get, key="an_ref_kind")
    c3.text_input("Code de la région ou du département de référence (facultatif)", key="an_ref_code")
    c1.checkbox("Imputer les valeurs manquantes", key="an_impute")
    c2.number_input("Nombre minimal d'indicateurs", min_value=1, max_value=len(variant.all_ids) + len(customs), step=1,
                    key="an_min", help="Un territoire n'a un score que s'il a une valeur pour au moins ce nombre "
                                       "d'indicateurs pondérés (ramené au nombre d'indicateurs pondérés s'il le dépasse).")
    st.markdown("**Poids des indicateurs** (0 = exclu de l'indice)")
    groups = [("Axe 1 — indice", variant.indicators), ("Axe 2 — contexte", variant.context),
              ("Vos indicateurs", tuple(c.id for c in customs))]
    for title, ids in groups:
        if not ids:
            continue
        st.caption(title)
        cols = st.columns(min(len(ids), 4))
        for n, id in enumerate(ids):
            cols[n % len(cols)].number_input(plain(labels[id]), min_value=0.0, step=0.5, key=weight_key(id),
                                             format="%g")
    st.form_submit_button("Appliquer", type="primary")
st.caption(plain(variant_summary(variant.id, catalogue)))

# --- Computation (ifn) ---------------------------------------------------------------------------
reference = analysis.reference_setting(state["an_method"], state["an_ref_kind"], state["an_ref_code"])
weights = {i: float(state[weight_key(i)]) for i in (*variant.all_ids, *(c.id for c in customs))}
options = ScoreOptions(variant=variant.id, weights=weights, method=state["an_method"], reference=reference,
                       impute=state["an_impute"], min_indicators=int(state["an_min"]))


def in_territory(frame: pl.DataFrame) -> pl.DataFrame:
    return analysis.in_territory(frame, level, territory, dep_region)


try:
    prepared = analyse_cache.prepared(options, customs, level)
    new = in_territory(sens.level_ifn(prepared, level, weights, options.min_indicators))
    default = in_territory(sens.level_ifn(analyse_cache.default_prepared(level), level, None))
except IFNError as exc:
    st.error(plain(exc))
    st.stop()

for notice in analysis.iris_notices(level, territory, bool(customs)):
    st.info(notice)
compared = sens.compare(default, new).sort("ifn", descending=True, nulls_last=True)
custom_columns = [f"raw_{c.id}" for c in customs if f"raw_{c.id}" in new.columns]
ranking = compared.join(new.select("code", *custom_columns), on="code", how="left", maintain_order="left")
place = "France entière" if territory == ALL else f"{territory} — {dep_names[territory]}"
st.subheader(f"Résultat : {LEVEL_LABELS[level]}, {plain(place)}")
base100 = analysis.on_other_scale(options.method)
if base100:
    st.info("Base 100 : 100 = niveau du territoire de référence ; l'échelle n'est pas bornée à 1–10.")
minimum = analysis.minimum_applied(options.min_indicators, weights)
if minimum.notice:
    st.info(minimum.notice)

# --- Sensitivity ---------------------------------------------------------------------------------
rho = sens.spearman(compared["ifn_defaut"], compared["ifn"])
changes = sens.class_changes(compared["ifn_defaut"], compared["ifn"], method=analysis.class_method(options.method),
                             same_breaks=not base100)
coverage = analysis.score_coverage(compared, new)
m1, m2, m3 = st.columns(3)
m1.metric("Corrélation de rang avec l'IFN par défaut (Spearman)", "—" if np.isnan(rho) else fr_number(rho, 3))
m2.metric("Unités qui changent de classe", f"{changes.changed} sur {changes.total}",
          help="Parmi les unités qui ont un score avec l'IFN par défaut et avec vos réglages.")
m3.metric("Part des unités qui changent de classe", f"{fr_number(100 * changes.share, 1)} %")
if coverage.notice():
    st.warning(plain(coverage.notice()))

# Short headers and narrow number columns: the name, the new IFN, the gap and the rank fit without a
# sideways scroll in the half-width column (the name column is the one that wraps or shrinks).
table_config = {
    "code": st.column_config.TextColumn("Code", width="small"), "nom": st.column_config.TextColumn("Nom", width="medium", pinned=True),
    "population": st.column_config.NumberColumn("Pop.", format="localized", width="small"),
    "ifn_defaut": st.column_config.NumberColumn("IFN déf.", format="%.2f", width="small",
                                                help="IFN par défaut"),
    "ifn": st.column_config.NumberColumn("IFN", format="%.2f", width="small", help="IFN avec vos réglages"),
    "ecart": st.column_config.NumberColumn("Écart", format="%+.2f", width="small",
                                           help="IFN avec vos réglages − IFN par défaut"),
    "rang_defaut": st.column_config.NumberColumn("Rang déf.", format="%.1f", width="small", help="Rang par défaut"),
    "rang": st.column_config.NumberColumn("Rang", format="%.1f", width="small", help="Rang avec vos réglages"),
    "evolution": st.column_config.NumberColumn("Évol.", format="%+.1f", width="small",
                                               help="Évolution du rang (positive = plus fragile qu'avant)"),
}
col_rank, col_map = st.columns(2)
# The map first: its new classes reach the browser while the table and the charts are still being built.
with col_map:
    st.markdown("**Carte des nouveaux scores**")
    map_classes = classify(new["ifn"], "quantiles" if options.method == "base100" else "equal", 5)
    map_title = f"IFN (vos réglages) — {LEVEL_LABELS[level]}"
    tile_manifest = ui_tiles.manifest()
    if analysis.iris_map_needs_area(level, territory):
        st.info("Choisissez un département dans « Territoire affiché » pour la carte des IRIS.")
    elif tile_manifest is not None and level != analysis.IRIS:
        # Same iframe for every setting: a weight change only sends the new classes (no geometry).
        map_frame = ui_tiles.bounds("departement", territory) if territory != ALL else METROPOLE
        map_spec = tile_view(tile_manifest, level, new.select("code", "ifn"), map_classes, map_title,
                             static=ui_tiles.static(), frame=map_frame, suffix=score_suffix(options.method),
                             outline="departement" if level == "commune" else None)
        st_folium(tile_map(ui_tiles.static(), height=520), key="an_carte_tuiles", height=520,
                  use_container_width=True, feature_group_to_add=tile_layer(map_spec), returned_objects=[])
    elif level == "commune" and territory == ALL:
        st.info("Choisissez un département dans « Territoire affiché » pour la carte des communes.")
    else:  # per-area GeoJSON: one département's IRIS (there are no IRIS tiles), or the fallback without tiles
        if level != analysis.IRIS:
            st.caption(ui_tiles.FALLBACK_NOTICE)
        fc = feature_collection(data.geometries(level), new.select("code", "nom", "ifn"), map_classes,
                                suffix=score_suffix(options.method))
        fmap = build_map(fc, map_classes, map_title, height=520, leaflet=data.leaflet_url())
        st.iframe(fmap.get_root().render(), height=540)  # HTML built from the cache only (names escaped)
        undrawn = new.height - len(fc["features"])
        if level == analysis.IRIS and undrawn:
            st.caption(f"{undrawn} IRIS sans contour dans le jeu de données (Lyon et Marseille) : ils restent dans "
                       "le classement et les exports.")

with col_rank:
    st.markdown("**Classement** — rang 1 = le plus fragile ; cliquez sur un en-tête pour trier.")
    custom_config = {f"raw_{c.id}": st.column_config.NumberColumn(
        f"{c.label} ({'valeur retournée' if c.direction == 'plus_haut_moins_fragile' else 'valeur'})", format="%.2f")
        for c in customs}
    # Rows taller than 4rem let long names wrap at a space instead of being cut mid-word (« CA du C… »).
    st.dataframe(ranking, column_config=table_config | custom_config, hide_index=True, height=540, row_height=WRAPPED_ROW,
                 column_order=analysis.ranking_order(ranking.columns, options.method), placeholder="—")

tab_hist, tab_sens = st.tabs(["Histogramme des scores", "Sensibilité"])
with tab_hist:
    hist = analysis.histogram_view(options.method, compared["ifn_defaut"], compared["ifn"])
    if hist.caption:
        st.caption(hist.caption)
    if hist.table.height:
        st.bar_chart(hist.table, x="classe", y=list(hist.series), stack=False, sort=False,
                     x_label="Score (base 100)" if base100 else "Score", y_label="Nombre d'unités")

with tab_sens:
    by = analysis.movers_key(options.method)
    risers, fallers = sens.movers(compared, 10, by=by)
    order = ["nom", by, "ifn", "ifn_defaut", "evolution" if by == "ecart" else "rang", "code"]
    movers_config = table_config | {"nom": st.column_config.TextColumn("Nom", width="medium", pinned=True)}
    sorted_by = "l'écart d'IFN" if by == "ecart" else "l'évolution du rang (base 100)"
    a, b = st.columns(2)
    a.markdown(f"**Plus fortes hausses** (plus fragiles qu'avec l'IFN par défaut ; triées par {sorted_by})")
    a.dataframe(risers, column_config=movers_config, hide_index=True, column_order=order, row_height=WRAPPED_ROW,
                placeholder="—")
    b.markdown(f"**Plus fortes baisses** (triées par {sorted_by})")
    b.dataframe(fallers, column_config=movers_config, hide_index=True, column_order=order, row_height=WRAPPED_ROW,
                placeholder="—")
    st.markdown("**Influence de chaque indicateur** : écart moyen de l'IFN quand on le retire (les autres "
                "poids inchangés).")
    infl = sens.influence(prepared, level, weights, codes=new["code"], min_indicators=options.min_indicators)
    st.dataframe(
        infl.with_columns(pl.col("indicateur").replace(labels).alias("libelle"),
                          pl.col("poids").map_elements(sens.fr_weight, return_dtype=pl.String)),
        column_config={"indicateur": "Id", "libelle": "Indicateur", "poids": st.column_config.TextColumn("Poids"),
                       "influence": st.column_config.NumberColumn("Écart moyen", format="%.3f"),
                       "influence_max": st.column_config.NumberColumn("Écart maximal", format="%.3f"),
                       "unites": st.column_config.NumberColumn("Unités comparées")},
        hide_index=True, column_order=["libelle", "indicateur", "poids", "influence", "influence_max", "unites"])

# --- Presets and exports -------------------------------------------------------------------------
st.subheader("Partager et exporter")
custom_ids = tuple(c.id for c in customs)
record = sens.settings_record(options, LEVEL_LABELS[level], place, customs, fp or "inconnu")
result = new.join(compared.select("code", "ifn_defaut", "rang_defaut", "rang", "evolution"), on="code", how="left",
                  maintain_order="left")
d1, d2, d3 = st.columns(3)
d1.download_button("Préréglage (TOML)", dump_preset(options, custom_ids, customs), "ifn_reglages.toml",
                   mime="application/toml", key="an_dl_preset", on_click="ignore")
# on_click="ignore": a download must not rerun the page; a rerun re-registers the deferred files under
# new ids while the browser may still hold the old ones (« Deferred file … not found » on the next click).
d2.download_button("Résultats (CSV)", lambda: export.to_csv_bytes(sens.with_settings(result, record)),
                   f"ifn_{level}_analyse.csv", mime="text/csv", key="an_dl_csv", on_click="ignore")
d3.download_button("Résultats (Excel)",
                   lambda: export.to_xlsx_bytes(result, sheet=f"IFN {level}", metadata=record),
                   f"ifn_{level}_analyse.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="an_dl_xlsx",
                   on_click="ignore")
st.caption("Le préréglage redonne les mêmes scores avec `python -m ifn score --weights FICHIER.toml`. "
           "Le CSV porte tous les réglages dans les colonnes « parametre_… », l'Excel dans sa feuille "
           "« Métadonnées ».")
if any(weights.get(i, 0) > 0 for i in custom_ids):
    st.info("Le préréglage décrit vos indicateurs personnels (nom, sens, colonnes) mais pas leurs valeurs : "
            "donnez aussi leur fichier CSV à la ligne de commande, "
            + ", ".join(plain(f"--extra {c.id}={c.source or 'FICHIER.csv'}") for c in customs if weights.get(c.id, 0) > 0)
            + ".")

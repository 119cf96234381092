"""Page « Besoins et offre de médiation »: fragile communes against the places of digital mediation.

Widgets only: the computation is in ``ifn.mediation`` (priority list, totals), ``ifn.offer`` (places),
``ifn.offermap`` (map), ``ifn.diagnostic`` (printable document), cached by ``ui.mediation_cache``.
The settings and everything that depends on them run in a fragment: changing a threshold does not
redraw the map.
"""

import polars as pl
import streamlit as st

from ifn import diagnostic, export, mediation, offer
from ifn.errors import IFNError
from ifn.levels import LEVELS
from ifn.text import plain
from ui import carte_cache, data, mediation_cache
from ui.navigation import require_app

require_app()

VARIANT = "tout_age"
AREA_LEVELS = {"departement": "Département", "region": "Région", "epci": "EPCI"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

st.title("Besoins et offre de médiation")
st.markdown(
    "Où vivent les habitants fragiles loin de toute aide ? Choisissez un territoire : les communes sont "
    "colorées selon leur IFN, avec par-dessus les lieux où travaillait un Conseiller numérique (décembre 2022), "
    "les espaces France Services et les bibliothèques publiques (trois couches à afficher ou masquer). La liste "
    "des communes prioritaires, les exports et un diagnostic imprimable suivent la carte."
)
if not data.ensure_data():
    st.stop()

try:
    scored = carte_cache.scored(VARIANT)
    places_offer = mediation_cache.offer()
except IFNError as exc:
    st.error(plain(exc))
    st.stop()

state = st.session_state
state.setdefault("med_niveau", "departement")
c1, c2 = st.columns([1, 3])
level = c1.radio("Niveau", list(AREA_LEVELS), format_func=AREA_LEVELS.get, key="med_niveau", horizontal=True)
units = scored[level].select("code", "nom").sort("code" if level == "departement" else "nom")
labels = dict(units.iter_rows())
code = c2.selectbox(f"{AREA_LEVELS[level]}", list(labels), key=f"med_code_{level}",
                    format_func=lambda c: f"{labels[c]} ({c})")
if code is None:
    st.stop()
territory = labels[code]
row = scored[level].filter(pl.col("code") == code).row(0, named=True)
ifn_text = f"{row['ifn']:.1f}".replace(".", ",") + " / 10" if row["ifn"] is not None else "non calculé"
st.subheader(plain(f"{territory} ({LEVELS[level].noun} {code}) — IFN {ifn_text}"))

html, drawn = mediation_cache.map_html(VARIANT, level, code)
st.iframe(html, height=620)  # HTML built from the cache and the bundle only, every text escaped
area_places = mediation_cache.area_places(level, code)
counts = {k: area_places.filter(pl.col("couche") == k).height for k in offer.LAYERS}
st.caption(plain(
    " · ".join(f"{offer.LAYERS[k].label} : {n}" for k, n in counts.items())
    + f" dans le territoire ({drawn} lieux dessinés, voisins compris). Sources : "
    + " ; ".join(layer.source for layer in offer.LAYERS.values()) + "."))
if places_offer.rejected.height:
    with st.expander(f"{places_offer.rejected.height} lieu(x) du jeu national non dessiné(s) (coordonnées "
                     "manquantes ou hors de France)"):
        st.dataframe(places_offer.rejected.with_columns(pl.col("couche").replace_strict(
            {k: v.label for k, v in offer.LAYERS.items()})), hide_index=True)


@st.fragment
def settings_and_lists() -> None:
    s1, s2, s3 = st.columns(3)
    ifn_min = s1.number_input("IFN au moins", min_value=1.0, max_value=10.0, value=mediation.DEFAULT_IFN_MIN,
                              step=0.5, key="med_ifn_min", help="De 1 (peu fragile) à 10 (très fragile).")
    distance = s2.number_input("Lieu de médiation le plus proche à plus de (km)", min_value=0.0,
                               max_value=mediation.MAX_KM, value=mediation.DEFAULT_DISTANCE_KM, step=1.0,
                               key="med_distance")
    radius = s3.number_input("Rayon de comptage des lieux (km)", min_value=0.5, max_value=50.0,
                             value=mediation.DEFAULT_RADIUS_KM, step=0.5, key="med_rayon")
    try:
        thresholds = mediation.check_thresholds(ifn_min, distance, radius)
    except IFNError as exc:
        st.error(plain(exc))
        return
    table = mediation_cache.area_table(VARIANT, level, code, thresholds.radius_km)
    priority = mediation.priority_list(table, thresholds)
    totals = mediation.totals(table, priority, thresholds)
    st.markdown(f"**{plain(mediation.sentence(totals, thresholds, territory))}**")
    for note in mediation.caveats(totals):
        st.caption(plain(note))

    km = st.column_config.NumberColumn
    columns = {"rang": st.column_config.NumberColumn("Rang"), "code": "Code", "nom": "Commune", "dep": "Dép.",
               "epci_nom": "EPCI", "population": st.column_config.NumberColumn("Habitants", format="localized"),
               "ifn": km("IFN", format="%.1f"),
               "dist_mediation": km("Lieu de médiation (km)", format="%.1f"),
               "dist_france_services": km("France Services (km)", format="%.1f"),
               "dist_bibliotheque": km("Bibliothèque (km)", format="%.1f"),
               "lieux_mediation_rayon": km(f"Lieux de médiation à {mediation.fr(thresholds.radius_km)} km"),
               "lieux_france_services_rayon": km(f"France Services à {mediation.fr(thresholds.radius_km)} km"),
               "lieux_bibliotheque_rayon": km(f"Bibliothèques à {mediation.fr(thresholds.radius_km)} km")}
    shown = [c for c in columns if c not in ("dep_nom", "reg_nom")]
    tab1, tab2, tab3, tab4 = st.tabs(["Communes prioritaires", "Toutes les communes", "Lieux", "Par territoire"])
    with tab1:
        st.dataframe(priority.select([c for c in shown if c in priority.columns]), hide_index=True,
                     column_config=columns, key="med_liste")
        meta = mediation.export_metadata(thresholds, territory, totals)
        frame = mediation.export_frame(priority, thresholds, territory)
        d1, d2, d3 = st.columns(3)
        name = f"priorites_mediation_{level}_{code}"
        d1.download_button("Liste (CSV)", lambda: export.to_csv_bytes(frame), f"{name}.csv", "text/csv",
                           key="med_csv", on_click="ignore")
        d2.download_button("Liste (Excel)", lambda: export.to_xlsx_bytes(frame, sheet="Priorités", metadata=meta),
                           f"{name}.xlsx", XLSX, key="med_xlsx", on_click="ignore")
        d3.download_button("Liste (GeoJSON)", lambda: mediation.geojson_with_settings(export.to_geojson_bytes(
            export.with_geometry(frame.rename({"code_commune": "code"}), data.geometries("commune"))), meta),
            f"{name}.geojson", "application/geo+json", key="med_geojson", on_click="ignore")
    with tab2:
        st.dataframe(table.sort("ifn", descending=True, nulls_last=True).select(
            [c for c in shown if c in table.columns]), hide_index=True, column_config=columns)
    with tab3:
        places_frame = offer.export_frame(area_places, territory)
        st.dataframe(places_frame.drop("horaires_osm", "territoire"), hide_index=True)
        pmeta = offer.export_metadata(territory, places_offer.rejected.height)
        p1, p2, p3 = st.columns(3)
        pname = f"lieux_{level}_{code}"
        p1.download_button("Lieux (CSV)", lambda: export.to_csv_bytes(places_frame), f"{pname}.csv", "text/csv",
                           key="med_lieux_csv", on_click="ignore")
        p2.download_button("Lieux (Excel)", lambda: export.to_xlsx_bytes(places_frame, sheet="Lieux", metadata=pmeta),
                           f"{pname}.xlsx", XLSX, key="med_lieux_xlsx", on_click="ignore")
        p3.download_button("Lieux (GeoJSON)", lambda: offer.to_geojson_bytes(places_frame, pmeta),
                           f"{pname}.geojson", "application/geo+json", key="med_lieux_geojson", on_click="ignore")
    with tab4:
        sub = {"region": "departement", "departement": "epci"}.get(level)
        if sub:
            st.dataframe(mediation.by_unit(priority, table, sub), hide_index=True, column_config={
                "code": "Code", "nom": LEVELS[sub].label, "communes_prioritaires": "Communes prioritaires",
                "habitants_concernes": "Habitants concernés", "population": "Population",
                "part_population": km("Part de la population (%)", format="%.1f")})
        else:
            st.caption("Un EPCI n'a pas de territoire plus petit que ses communes : voir la liste.")

    st.markdown("#### Diagnostic imprimable")
    st.caption("Carte, IFN et indicateurs comparés au département et à la France, offre, liste prioritaire, "
               "méthode et sources : un document à imprimer (HTML mis en page pour l'impression) ou en PDF.")

    def document() -> str:
        diag = diagnostic.assemble(scored, data.communes(data.fingerprint()), mediation_cache.centres(),
                                   places_offer, data.geometries("commune"), level, code, thresholds,
                                   carte_cache.france(VARIANT), carte_cache.classes(VARIANT, "commune", "equal"),
                                   VARIANT)
        return diagnostic.to_html(diag)

    def pdf() -> bytes:
        out = diagnostic.to_pdf(document())
        return out if out is not None else b""

    g1, g2 = st.columns(2)
    dname = f"diagnostic_mediation_{level}_{code}"
    g1.download_button("Diagnostic (HTML à imprimer)", lambda: document().encode("utf-8"), f"{dname}.html",
                       "text/html", key="med_diag_html", on_click="ignore")
    if diagnostic.pdf_available():
        g2.download_button("Diagnostic (PDF)", pdf, f"{dname}.pdf", "application/pdf", key="med_diag_pdf",
                           on_click="ignore")
    else:
        g2.caption("PDF indisponible sur ce serveur (WeasyPrint absent) : ouvrez le HTML et imprimez-le.")


settings_and_lists()

"""Home page: what the tool is, which data it uses, build status."""

import streamlit as st

from ifn.vintage import sources_markdown
from ui import data
from ui.navigation import require_app

require_app()

st.title("Indice de Fragilité Numérique")
st.markdown(
    "L'**Indice de Fragilité Numérique (IFN)** de La Mednum repère les territoires où les habitants "
    "risquent d'être laissés de côté par la dématérialisation des services publics : accès à la fibre "
    "et à la 4G, part des personnes âgées, des personnes peu diplômées, pauvreté. Il aide les "
    "collectivités et leurs partenaires à orienter la médiation numérique là où elle est nécessaire.\n\n"
    "- **Carte de la fragilité** : trouvez votre commune, comprenez son score, comparez-la, exportez.\n"
    "- **Analyse et pondérations** : changez les poids et les indicateurs, mesurez ce qui bouge.\n"
    "- **Besoins et offre de médiation** : les communes fragiles loin d'un lieu de médiation numérique, "
    "les lieux sur la carte, la liste prioritaire et un diagnostic à imprimer.\n"
    "- **Stratégie 2025 (CA)** : objectifs, références, cibles et avancement de la stratégie de La Mednum.\n"
)
if data.ensure_data():
    report = data.report()
    c1, c2, c3 = st.columns(3)
    c1.metric("Communes (COG 2026)", f"{report['communes_2026']:,}".replace(",", " "))
    c2.metric("Communes sans contour", report["communes_sans_contour"])
    c3.metric("Communes sans population", report["communes_sans_population"])
    with st.expander("Réconciliation des codes communes (millésimes différents)"):
        st.dataframe(
            [
                {
                    "Source": e.get("source", name),
                    "Lignes": e.get("lignes"),
                    "Codes identiques": e.get("identiques"),
                    "Arrondissements": e.get("arrondissements"),
                    "Communes fusionnées": e.get("fusions"),
                    "Hors champ": e.get("hors_champ"),
                    "Non appariés": e.get("non_apparies"),
                    "Communes 2026 sans donnée": e.get("communes_2026_absentes"),
                }
                for name, e in report["sources"].items()
            ],
            hide_index=True,
        )
st.subheader("Données utilisées")
st.markdown(sources_markdown())
st.caption("Données sous Licence Ouverte / Open Licence (Etalab) de leurs producteurs.")

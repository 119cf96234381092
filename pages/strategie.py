"""Strategy 2025 page for the board (CA): overview, detail, editing (signed-in editors), exports."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import polars as pl
import streamlit as st

from ifn.errors import IFNError
from ifn.strategy import board, editing, report
from ifn.strategy.content import DEADLINE, GROUPS, load_strategy
from ifn.strategy.status import final_assessment
from ifn.strategy.storage import open_repository
from ifn.text import plain
from ui.navigation import require_app
from ui.strategie_auth import current_editor

require_app()

st.title("Stratégie Mednum 2025 — suivi du CA")
st.caption("Objectifs retenus par les groupes de travail « Externe », « Interne » et « Ensemble », leurs indicateurs, "
           "les valeurs de référence trouvées dans les documents et les cibles 2025 fixées par le CA.")

try:
    strategy = load_strategy()
except IFNError as exc:
    st.error(plain(exc))
    st.stop()

repo, entries = None, []
try:
    repo = open_repository()
    entries = repo.entries()
except IFNError as exc:
    st.error(f"{plain(exc)} Les objectifs et les valeurs de référence des documents restent affichés.")
if repo is not None and repo.read_only:
    st.warning("La base de la stratégie est en lecture seule (fichier non modifiable) : la consultation reste "
               "possible, mais aucune mesure ni cible ne peut être enregistrée.")

editor = current_editor()

# ---------------------------------------------------------------- writes (callbacks run before the page)


# Each form's outcome is shown next to that form (slot ``mesure``, ``cible`` or ``import``); every text
# quoting the user's input is escaped (ifn.text.plain) before it reaches Markdown.
MEASURE_FIELDS = {"st_value": "", "st_answer": "oui", "st_source": "", "st_text": "", "st_comment": "",
                  "st_corrects": "—", "st_confirm": False}
TARGET_FIELDS = {"st_target": "", "st_target_answer": "oui", "st_target_comment": ""}


def _flash(slot: str, kind: str, text: str) -> None:
    st.session_state.setdefault("st_messages", []).append((slot, kind, text))


def _show_messages(slot: str) -> None:
    for where, kind, text in st.session_state.get("st_messages", []):
        if where == slot:
            getattr(st, kind)(plain(text))


def _write(slot: str, action, reset: dict) -> None:
    ss = st.session_state
    ss["st_messages"] = []
    try:
        result = action()
    except editing.NeedsConfirmation as exc:
        ss["st_confirm_asked"] = True
        _flash(slot, "warning", str(exc))
        return
    except IFNError as exc:  # the form keeps what was typed
        _flash(slot, "error", str(exc))
        return
    if result.warning:
        _flash(slot, "warning", result.warning)
    _flash(slot, "success", f"Entrée n° {result.entry.id} enregistrée ({result.entry.kind}).")
    ss.update(reset)  # a second click must not record the same entry again
    ss.pop("st_confirm_asked", None)


def _record(indicator_id: str, author: str | None, quantitative: bool) -> None:
    ss = st.session_state
    # The chosen label is looked up in the choices drawn with the form (never parsed back into an id).
    correction = ss.get("st_correction_ids", {}).get(ss.get("st_corrects"))
    _write("mesure", lambda: editing.record_measurement(
        open_repository(), strategy, indicator_id, ss.get("st_value" if quantitative else "st_answer", ""),
        ss.get("st_date"), author=author, source=ss.get("st_source", ""), comment=ss.get("st_comment", ""),
        text=ss.get("st_text") or None, confirmed=bool(ss.get("st_confirm")),
        supersedes=correction), MEASURE_FIELDS)


def _target(indicator_id: str, author: str | None, quantitative: bool) -> None:
    ss = st.session_state
    _write("cible", lambda: editing.set_target(
        open_repository(), strategy, indicator_id, ss.get("st_target" if quantitative else "st_target_answer", ""),
        author=author, comment=ss.get("st_target_comment", "")), TARGET_FIELDS)


def _import(author: str | None) -> None:
    st.session_state["st_messages"] = []
    upload = st.session_state.get("st_import")
    if upload is None:
        _flash("import", "error", "Choisissez un fichier CSV à importer.")
        return
    try:
        n = report.import_csv(open_repository(), strategy, upload.getvalue(), author=author, name=upload.name)
    except IFNError as exc:
        _flash("import", "error", str(exc))
        return
    _flash("import", "success", f"{n} ligne(s) importée(s).")


def _on_indicator() -> None:
    st.session_state["st_messages"] = []
    st.session_state.pop("st_confirm_asked", None)

# ---------------------------------------------------------------- overview
when = board.today()
current = board.mode(when, strategy.deadline)
overview = board.board_frame(strategy, entries, when)
notice = board.deadline_notice(when, strategy.deadline)
if notice:
    st.info(notice, icon=":material/event_available:")
counts = board.status_counts(overview, current)
for column, status in zip(st.columns(len(counts)), counts):
    column.metric(status.capitalize(), counts[status])

if current == board.FINAL:
    st.caption(f"Bilan au {DEADLINE.strftime('%d/%m/%Y')} : « atteinte » si la dernière mesure datée au plus tard de "
               "l'échéance est au moins aussi bonne que la cible dans le sens de l'indicateur (la même réponse pour un "
               "indicateur oui / non) ; « avancement » : part du chemin de la référence à la cible parcourue.")
else:
    st.caption(f"Statut : trajectoire linéaire de la référence (date du document) à la cible au "
               f"{DEADLINE.strftime('%d/%m/%Y')} ; « en bonne voie » si l'avancement atteint la part du temps écoulée "
               "à la date de la dernière mesure, « à surveiller » s'il en atteint au moins 80 %, « en retard » en dessous.")
selected = st.pills("Filtrer par statut (aucun choix : tous les indicateurs)", list(counts), selection_mode="multi",
                    format_func=lambda s: f"{s} ({counts[s]})", key=f"st_statuts_{current}")
shown = board.filter_statuses(overview, selected)
if selected and shown.is_empty():
    st.info("Aucun indicateur n'a le statut choisi.")
for group, tab in zip(GROUPS, st.tabs([f"GT « {g} » ({shown.filter(pl.col('groupe') == g).height})" for g in GROUPS])):
    with tab:
        for obj in (o for o in strategy.objectives if o.group == group):
            cells = board.table_cells(shown, obj.id, current)
            if not cells:
                continue
            st.markdown(f"**{plain(obj.title)}**")
            # Static table: cells wrap, so that every column fits the page; wider than the screen on a phone,
            # it scrolls sideways in its own frame (the status comes second, next to the indicator).
            st.table(pd.DataFrame(cells).style.set_table_styles(board.TABLE_STYLES), hide_index=True)

# ---------------------------------------------------------------- detail
st.header("Détail d'un indicateur")
labels = {i.id: f"{i.group} · {i.label}" for i in strategy.indicators.values()}
indicator_id = st.selectbox("Indicateur", list(labels), format_func=labels.get, key="st_indicator",
                            on_change=_on_indicator)
indicator = strategy.indicators[indicator_id]
own = [e for e in entries if e.indicator_id == indicator_id]
assessment = report.assessments(strategy, own)[indicator_id]
if indicator.references:
    st.caption(f"Référence retenue : {plain(report.show_value(indicator.baseline.value, indicator.quantitative, indicator.unit))} "
               f"au {indicator.baseline.date.strftime('%d/%m/%Y')} (document {plain(indicator.baseline.document)}, "
               f"{plain(indicator.baseline.section)}).")
else:
    st.caption(f"Pas de valeur de référence dans les documents : {plain(indicator.no_reference)} "
               "La première mesure enregistrée sert de référence.")
target_text = plain(report.show_value(assessment.target, indicator.quantitative, indicator.unit))
if current == board.FINAL:
    final = final_assessment(indicator, own, strategy.deadline)
    st.markdown(f"Bilan au {DEADLINE.strftime('%d/%m/%Y')} : {board.status_badge(final.outcome)} · "
                f"cible 2025 : **{target_text}**")
    if final.after is not None:
        st.caption(f"Mesure postérieure à l'échéance (non comptée dans le bilan) : "
                   f"{plain(report.show_value(final.after.value, indicator.quantitative, indicator.unit))} au "
                   f"{final.after.date.strftime('%d/%m/%Y')}.")
else:
    st.markdown(f"Statut : {board.status_badge(assessment.status)} · cible 2025 : **{target_text}**")

spec = board.chart_spec(indicator, own, when, strategy.deadline)
if spec is not None:
    st.vega_lite_chart(spec, width="stretch")
    st.caption(("Tirets rouges : cible 2025 ; pointillés gris : échéance du 31/12/2025." if current == board.FINAL else
                "Tirets rouges : cible 2025 ; pointillés gris : trajectoire de la référence à la cible.")
               + (" Indicateur oui / non : 1 = oui, 0 = non." if not indicator.quantitative else ""))
else:
    st.info("Aucune mesure pour cet indicateur.")

st.subheader("Historique des entrées")
st.dataframe(board.journal_table(report.journal_frame(strategy, entries, indicator_id)), hide_index=True,
             width="stretch")
st.caption("Rien n'est effacé : une correction est une nouvelle entrée qui « corrige » une entrée précédente ; "
           "les deux restent dans l'historique.")

# ---------------------------------------------------------------- editing
st.header("Saisie")
if editor is None:
    st.info("Connectez-vous (barre latérale) pour enregistrer une mesure ou fixer une cible.")
elif repo is not None and repo.read_only:
    st.info("La saisie est indisponible tant que la base n'est pas accessible en écriture.")
else:  # also when the base did not answer: what is typed stays in the form until it can be saved
    left, right = st.columns(2)
    unit = plain(indicator.unit)
    with left:
        _show_messages("mesure")
        with st.form("st_measure_form", clear_on_submit=False):
            st.markdown(f"**Enregistrer une mesure** — {plain(indicator.label)}")
            if indicator.quantitative:
                st.text_input(f"Valeur ({unit})" if unit else "Valeur", key="st_value")
            else:
                st.radio("Réponse", ["oui", "non"], key="st_answer", horizontal=True)
            # Wide bounds: any typed date reaches ifn.strategy.editing.check_date, which refuses it in French
            # (the widget's own bounds would only redden the field and keep another date).
            st.date_input("Date de la mesure", value=board.default_measure_date(when, strategy.deadline),
                          min_value=dt.date(1900, 1, 1),
                          max_value=dt.date(2100, 12, 31), key="st_date", format="DD/MM/YYYY")
            st.text_input("Source (document, outil…)", key="st_source", max_chars=editing.MAX_TEXT)
            st.text_input("Texte (facultatif)", key="st_text", max_chars=editing.MAX_TEXT)
            st.text_area("Commentaire", key="st_comment", max_chars=editing.MAX_TEXT)
            choices = editing.correction_choices(own, indicator)
            st.session_state["st_correction_ids"] = choices
            if st.session_state.get("st_corrects") not in choices:
                st.session_state["st_corrects"] = editing.NO_CORRECTION
            st.selectbox("Corrige l'entrée", list(choices), key="st_corrects")
            if st.session_state.get("st_confirm_asked"):
                st.checkbox("Je confirme cette valeur", key="st_confirm")
            st.form_submit_button("Enregistrer la mesure", key="st_save_measure", on_click=_record,
                                  args=(indicator_id, editor, indicator.quantitative))
    with right:
        _show_messages("cible")
        with st.form("st_target_form"):
            st.markdown(f"**Fixer la cible 2025** — {plain(indicator.label)}")
            if indicator.quantitative:
                st.text_input(f"Cible ({unit})" if unit else "Cible", key="st_target")
            else:
                st.radio("Cible", ["oui", "non"], key="st_target_answer", horizontal=True)
            st.text_area("Commentaire (décision du CA…)", key="st_target_comment", max_chars=editing.MAX_TEXT)
            st.form_submit_button("Enregistrer la cible", key="st_save_target", on_click=_target,
                                  args=(indicator_id, editor, indicator.quantitative))
    with st.expander("Importer des mesures ou des cibles (CSV)", expanded=any(
            slot == "import" for slot, _, _ in st.session_state.get("st_messages", []))):
        st.caption("Colonnes : " + ";".join(report.IMPORT_COLUMNS) + " (nature : mesure ou cible ; date JJ/MM/AAAA ou AAAA-MM-JJ ; "
                   "séparateur « ; » ou « , »).")
        st.file_uploader("Fichier CSV", type=["csv"], key="st_import")
        st.button("Importer", key="st_import_btn", on_click=_import, args=(editor,))
        _show_messages("import")

# ---------------------------------------------------------------- exports
st.header("Exports")
today = dt.date.today().isoformat()
c1, c2, c3, c4 = st.columns(4)
c1.download_button("Journal complet (CSV)", report.to_csv(strategy, entries), f"strategie2025_journal_{today}.csv",
                   "text/csv", key="st_dl_csv")
c2.download_button("Journal complet (Excel)", report.to_xlsx(strategy, entries), f"strategie2025_journal_{today}.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="st_dl_xlsx")
c3.download_button("Synthèse imprimable (HTML)", report.summary_html(strategy, entries).encode("utf-8"),
                   f"strategie2025_synthese_{today}.html", "text/html", key="st_dl_html")
c4.download_button("Synthèse (Markdown)", report.summary_markdown(strategy, entries).encode("utf-8"),
                   f"strategie2025_synthese_{today}.md", "text/markdown", key="st_dl_md")

"""Tables and exports of the strategy: overview, journal, CSV / xlsx, printable summary, import."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from collections import Counter

import polars as pl

from ifn import export
from ifn.errors import InputError
from ifn.strategy.content import Strategy
from ifn.strategy.status import OUTCOMES, STATUSES, Assessment, assess, final_assessment, format_number, is_over
from ifn.strategy.storage import Entry, Repository


def assessments(strategy: Strategy, entries: list[Entry]) -> dict[str, Assessment]:
    by_indicator: dict[str, list[Entry]] = {}
    for e in entries:
        by_indicator.setdefault(e.indicator_id, []).append(e)
    return {i.id: assess(i, by_indicator.get(i.id, [])) for i in strategy.indicators.values()}


def status_counts(results: dict[str, Assessment]) -> dict[str, int]:
    counts = Counter(a.status for a in results.values())
    return {s: counts.get(s, 0) for s in STATUSES}


def show_value(value, quantitative: bool, unit: str = "") -> str:
    if value is None:
        return "—"
    if not quantitative:
        return "oui" if value else "non"
    return f"{format_number(float(value))} {unit}".strip()


def overview_frame(strategy: Strategy, entries: list[Entry]) -> pl.DataFrame:
    """One row per indicator: group, objective, latest value, target, progress, status."""
    results = assessments(strategy, entries)
    rows = []
    for obj in strategy.objectives:
        for ind in obj.indicators:
            a = results[ind.id]
            rows.append({
                "groupe": obj.group, "objectif": obj.id, "objectif_titre": obj.title,
                "indicateur": ind.id, "libelle": ind.label, "type": ind.kind, "unite": ind.unit, "sens": ind.direction,
                "reference": show_value(a.baseline.value, ind.quantitative, ind.unit) if a.baseline else "—",
                "date_reference": a.baseline.date.isoformat() if a.baseline else None,
                "derniere_valeur": show_value(a.latest.value, ind.quantitative, ind.unit) if a.latest else "—",
                "date_derniere_valeur": a.latest.date.isoformat() if a.latest else None,
                "cible_2025": show_value(a.target, ind.quantitative, ind.unit),
                "avancement_pct": None if a.progress is None else round(100 * a.progress, 1),
                "attendu_pct": None if a.expected_share is None else round(100 * a.expected_share, 1),
                "statut": a.status,
            })
    return pl.DataFrame(rows, schema_overrides={"avancement_pct": pl.Float64, "attendu_pct": pl.Float64})


def journal_frame(strategy: Strategy, entries: list[Entry], indicator_id: str | None = None) -> pl.DataFrame:
    """Every entry (documents' references included), the superseded ones flagged."""
    replaced = {e.supersedes: e.id for e in entries if e.supersedes is not None}
    rows = []
    for ind in strategy.indicators.values():
        if indicator_id is not None and ind.id != indicator_id:
            continue
        for ref in ind.references:
            rows.append({"indicateur": ind.id, "n": None, "nature": "référence", "valeur": show_value(ref.value, ind.quantitative, ind.unit),
                         "date": ref.date.isoformat(), "auteur": "documents sources",
                         "source": f"{ref.document} — {strategy.documents.get(ref.document, '')} — {ref.section}",
                         "commentaire": ref.comment, "texte": None, "enregistre_le": None, "corrige": None, "remplace_par": None})
    for e in entries:
        if indicator_id is not None and e.indicator_id != indicator_id:
            continue
        ind = strategy.indicators.get(e.indicator_id)
        quantitative = ind.quantitative if ind else e.value_num is not None
        value = e.value_num if quantitative else e.value_bool
        rows.append({"indicateur": e.indicator_id, "n": e.id, "nature": e.kind,
                     "valeur": show_value(value, quantitative, ind.unit if ind else ""),
                     "date": e.observed_on.isoformat() if e.observed_on else None, "auteur": e.author,
                     "source": e.source, "commentaire": e.comment, "texte": e.value_text,
                     "enregistre_le": e.created_at, "corrige": e.supersedes, "remplace_par": replaced.get(e.id)})
    schema = {"n": pl.Int64, "corrige": pl.Int64, "remplace_par": pl.Int64, "texte": pl.String, "enregistre_le": pl.String}
    return pl.DataFrame(rows, schema_overrides=schema) if rows else pl.DataFrame(
        schema={"indicateur": pl.String, "n": pl.Int64, "nature": pl.String, "valeur": pl.String, "date": pl.String,
                "auteur": pl.String, "source": pl.String, "commentaire": pl.String, "texte": pl.String,
                "enregistre_le": pl.String, "corrige": pl.Int64, "remplace_par": pl.Int64})


def to_csv(strategy: Strategy, entries: list[Entry]) -> bytes:
    return export.to_csv_bytes(journal_frame(strategy, entries))


def to_xlsx(strategy: Strategy, entries: list[Entry], today: dt.date | None = None) -> bytes:
    """Workbook: journal sheet, and a « Métadonnées » sheet with the rule and the counts of the day."""
    import xlsxwriter  # noqa: F401  (dependency check)

    today = today or dt.date.today()
    over = is_over(today, strategy.deadline)
    meta = {"Généré le": dt.datetime.now().strftime("%d/%m/%Y %H:%M"),
            "Règle de statut": FINAL_RULE if over else TRAJECTORY_RULE}
    meta.update({f"{'Bilan' if over else 'Statut'} « {k} »": v for k, v in summary_counts(strategy, entries, today).items()})
    return export.to_xlsx_bytes(journal_frame(strategy, entries), sheet="Journal", metadata=meta)


def overview_csv(strategy: Strategy, entries: list[Entry]) -> bytes:
    return export.to_csv_bytes(overview_frame(strategy, entries))


TRAJECTORY_RULE = ("Règle de statut : trajectoire linéaire de la référence à la cible au 31/12/2025 ; en bonne voie "
                   "si l'avancement atteint la part de temps écoulée, à surveiller au-delà de 80 % de cette part, "
                   "en retard en dessous.")
FINAL_RULE = ("Bilan au 31/12/2025 : cible atteinte si la dernière mesure datée au plus tard du 31/12/2025 est au "
              "moins aussi bonne que la cible dans le sens de l'indicateur (la même réponse pour un indicateur "
              "oui / non) ; les mesures postérieures ne comptent pas.")


def _progress(value: float | None) -> str:
    return "—" if value is None else f"{format_number(value)} %"


def summary_table(strategy: Strategy, entries: list[Entry], today: dt.date) -> tuple[str, tuple[str, ...], dict]:
    """Title, column headers and {objective id: rows} of the printable summary.

    Until the deadline: a progress report on the trajectory; once it has passed: the final assessment.
    """
    if not is_over(today, strategy.deadline):
        frame = overview_frame(strategy, entries)
        rows = {obj.id: [(r["libelle"], r["reference"], r["derniere_valeur"], r["cible_2025"],
                          _progress(r["avancement_pct"]), r["statut"])
                         for r in frame.filter(pl.col("objectif") == obj.id).iter_rows(named=True)]
                for obj in strategy.objectives}
        return (f"point d'étape du {today.strftime('%d/%m/%Y')}",
                ("Indicateur", "Référence", "Dernière valeur", "Cible 2025", "Avancement", "Statut"), rows)
    grouped: dict[str, list[Entry]] = {}
    for e in entries:
        grouped.setdefault(e.indicator_id, []).append(e)
    rows = {}
    for obj in strategy.objectives:
        rows[obj.id] = []
        for ind in obj.indicators:
            f = final_assessment(ind, grouped.get(ind.id, []), strategy.deadline)
            rows[obj.id].append((
                ind.label, show_value(f.baseline.value, ind.quantitative, ind.unit) if f.baseline else "—",
                show_value(f.final.value, ind.quantitative, ind.unit) if f.final else "—",
                show_value(f.target, ind.quantitative, ind.unit),
                _progress(None if f.progress is None else round(100 * f.progress, 1)), f.outcome))
    return (f"bilan final au {strategy.deadline.strftime('%d/%m/%Y')} (édité le {today.strftime('%d/%m/%Y')})",
            ("Indicateur", "Référence", "Valeur finale", "Cible 2025", "Avancement", "Bilan"), rows)


def summary_counts(strategy: Strategy, entries: list[Entry], today: dt.date) -> dict[str, int]:
    """Indicators per status (trajectory) or per outcome (final assessment, once the deadline has passed)."""
    if not is_over(today, strategy.deadline):
        return status_counts(assessments(strategy, entries))
    grouped: dict[str, list[Entry]] = {}
    for e in entries:
        grouped.setdefault(e.indicator_id, []).append(e)
    counts = Counter(final_assessment(i, grouped.get(i.id, []), strategy.deadline).outcome
                     for i in strategy.indicators.values())
    return {s: counts.get(s, 0) for s in OUTCOMES}


def summary_markdown(strategy: Strategy, entries: list[Entry], today: dt.date | None = None) -> str:
    """Printable Markdown summary for the general assembly."""
    today = today or dt.date.today()
    title, headers, rows = summary_table(strategy, entries, today)
    counts = summary_counts(strategy, entries, today)
    lines = [f"# Stratégie Mednum 2025 — {title}", "",
             " · ".join(f"**{k}** : {v}" for k, v in counts.items()), ""]
    for group in ("Externe", "Interne", "Ensemble"):
        lines.append(f"## GT « {group} »")
        for obj in (o for o in strategy.objectives if o.group == group):
            lines += ["", f"### {_md(obj.title)}", "", "| " + " | ".join(headers) + " |",
                      "|" + "---|" * len(headers)]
            lines += ["| " + " | ".join(_md(v) for v in row) + " |" for row in rows[obj.id]]
        lines.append("")
    lines.append(FINAL_RULE if is_over(today, strategy.deadline) else TRAJECTORY_RULE)
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def summary_html(strategy: Strategy, entries: list[Entry], today: dt.date | None = None) -> str:
    """Printable HTML summary (every text escaped)."""
    today = today or dt.date.today()
    title, headers, rows = summary_table(strategy, entries, today)
    counts = summary_counts(strategy, entries, today)
    esc = html.escape
    parts = ["<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\">",
             f"<title>Stratégie Mednum 2025 — {esc(title)}</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%;margin-bottom:1em}"
             "td,th{border:1px solid #999;padding:4px;font-size:90%}@media print{h2{page-break-before:auto}}</style>",
             "</head><body>", f"<h1>Stratégie Mednum 2025 — {esc(title)}</h1>",
             "<p>" + " · ".join(f"<strong>{esc(k)}</strong> : {v}" for k, v in counts.items()) + "</p>"]
    for group in ("Externe", "Interne", "Ensemble"):
        parts.append(f"<h2>GT « {esc(group)} »</h2>")
        for obj in (o for o in strategy.objectives if o.group == group):
            parts.append(f"<h3>{esc(obj.title)}</h3><table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in headers)
                         + "</tr>")
            for row in rows[obj.id]:
                parts.append("<tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in row) + "</tr>")
            parts.append("</table>")
    rule = FINAL_RULE if is_over(today, strategy.deadline) else TRAJECTORY_RULE
    parts.append(f"<p><small>{esc(rule)}</small></p></body></html>")
    return "\n".join(parts)


IMPORT_COLUMNS = ("indicateur", "nature", "valeur", "date", "source", "commentaire")
IMPORT_MAX_BYTES = 5 * 1024 * 1024


def _import_rows(data: bytes, name: str) -> tuple[tuple[str, ...], list[tuple[int, dict[str, str]]]]:
    """Header and (line, row) of an import file; French ``InputError`` naming the file and the line."""
    from ifn.upload import check_bytes, decode

    where = f"Import « {name} »"
    try:
        check_bytes(data, IMPORT_MAX_BYTES)
    except InputError as exc:
        raise InputError(f"{where} : {exc} Aucune ligne n'a été importée.") from None
    text, _ = decode(data)
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = ";" if ";" in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: tuple[str, ...] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for record in reader:
            if not any(field.strip() for field in record):
                continue
            if header is None:
                header = tuple(field.strip().lower() for field in record)
                continue
            if len(record) != len(header):
                raise InputError(f"{where}, ligne {reader.line_num} : {len(record)} champ(s) au lieu de {len(header)} "
                                 "(un retour à la ligne ou un séparateur dans un texte doit être entre guillemets). "
                                 "Aucune ligne n'a été importée.")
            rows.append((reader.line_num, dict(zip(header, record))))
    except csv.Error as exc:
        reason = "champ trop long" if "field limit" in str(exc) else f"CSV invalide ({exc})"
        raise InputError(f"{where}, ligne {reader.line_num} : {reason}. Aucune ligne n'a été importée.") from None
    if header is None:
        raise InputError(f"{where} : le fichier n'a pas de ligne d'en-tête. Aucune ligne n'a été importée.")
    doubled = sorted({c for c in header if header.count(c) > 1})
    if doubled:
        raise InputError(f"{where}, ligne 1 : colonne(s) en double : {', '.join(doubled)}. Aucune ligne n'a été importée.")
    unknown = [c for c in header if c not in IMPORT_COLUMNS]
    if unknown:
        raise InputError(f"{where}, ligne 1 : colonne(s) inconnue(s) : {', '.join(unknown)} "
                         f"(attendu : {';'.join(IMPORT_COLUMNS)}). Aucune ligne n'a été importée.")
    missing = [c for c in IMPORT_COLUMNS[:3] if c not in header]
    if missing:
        raise InputError(f"{where} : colonne(s) manquante(s) : {', '.join(missing)} "
                         f"(attendu : {';'.join(IMPORT_COLUMNS)}). Aucune ligne n'a été importée.")
    if not rows:
        raise InputError(f"{where} : aucune ligne de données après l'en-tête.")
    return header, rows


def _entry_key(entry: Entry) -> tuple:
    return (entry.indicator_id, entry.kind, entry.value_num, entry.value_bool, entry.observed_on, entry.source,
            entry.comment)


def _item_key(item: dict) -> tuple:
    return (item["indicator_id"], item["kind"], item.get("value_num"), item.get("value_bool"),
            item.get("observed_on"), item.get("source", ""), item.get("comment", ""))


def import_csv(repo: Repository, strategy: Strategy, data: bytes, *, author: str | None,
               today: dt.date | None = None, name: str = "fichier") -> int:
    """Import rows ``indicateur;nature;valeur;date;source;commentaire`` (nature: mesure | cible).

    All or nothing: every row is checked first (unknown indicator, bad value or date, text too
    long, wrong number of fields, duplicated or unknown columns refuse the whole file with the
    line number), then all rows are written in one transaction. A file whose rows are already
    stored identically (same indicator, nature, value, date, source and comment) is refused as
    already imported.
    """
    from ifn.strategy.editing import _value_fields, check_date, check_text, require_author

    author = require_author(author)
    _, rows = _import_rows(data, name)
    where = f"Import « {name} »"
    items = []
    for n, row in rows:
        iid = (row.get("indicateur") or "").strip()
        if iid not in strategy.indicators:
            raise InputError(f"{where}, ligne {n} : indicateur inconnu « {iid} ». Aucune ligne n'a été importée.")
        nature = (row.get("nature") or "mesure").strip()
        if nature not in ("mesure", "cible"):
            raise InputError(f"{where}, ligne {n} : nature « {nature} » invalide (mesure ou cible). "
                             "Aucune ligne n'a été importée.")
        try:
            item = {"indicator_id": iid, "kind": nature, "author": author,
                    **_value_fields(strategy.indicators[iid], row.get("valeur") or ""),
                    "comment": check_text(row.get("commentaire"), "Commentaire")}
            if nature == "mesure":
                item["observed_on"] = check_date(row.get("date") or "", today)
                item["source"] = check_text(row.get("source"), "Source")
            else:
                item["source"] = "CA"
        except InputError as exc:
            raise InputError(f"{where}, ligne {n} : {exc} Aucune ligne n'a été importée.") from None
        items.append(item)

    def not_imported_yet(existing: list[Entry]) -> None:
        stored = {_entry_key(e): e.id for e in existing}
        again = [(n, stored[_item_key(item)]) for (n, _), item in zip(rows, items) if _item_key(item) in stored]
        if again:
            lines = ", ".join(f"{n} (entrée n° {i})" for n, i in again[:10])
            raise InputError(f"{where} : {len(again)} ligne(s) sur {len(items)} sont déjà enregistrées à "
                             f"l'identique : ligne(s) {lines}{' …' if len(again) > 10 else ''}. Le fichier a "
                             "sans doute déjà été importé ; aucune ligne n'a été importée.")

    repo.append_all(items, check=not_imported_yet)
    return len(items)

"""User indicator upload: CSV bytes → one value per 2026 commune code.

Accepted: UTF-8 (with or without BOM) or Latin-1; separator ``;``, tab or
``,``; decimal comma or point (spaces as thousands separators ignored; with both a comma and a
point the last one is the decimal mark, the other must group thousands by three, e.g.
``1,234.5`` = ``1.234,5`` = 1234.5, anything else is refused as ambiguous);
4-digit codes that lost their leading zero (1001 → 01001); arrondissement
codes of Paris, Lyon and Marseille mapped to their commune. An empty cell is a
missing value (imputed like any other indicator when imputation is on).

Codes of a former commune (merged before 2026, from the aliases of the cache:
``ifn.cache.load_aliases``) are mapped to their 2026 commune and listed in
``ParsedIndicator.former`` for a notice.

Refused (``InputError``, French message naming the line and the value): empty
file, file over ``MAX_BYTES``, not a CSV text file, a row with the wrong number
of fields, a non-numeric value, a code given twice. Several rows landing on one
2026 commune (arrondissements of one city, former communes merged into one) are
refused by default (``combine="refuse"``): the cache has no populations of
arrondissements or former communes to weight them, so the user says what the
values are — counts to add up (``combine="sum"``) or rates to average
(``combine="mean"``, a plain mean of the given values, stated as unweighted).

Codes matching no commune are not an error: they are returned in
``ParsedIndicator.unknown`` (line, code) so that the page can ask the user to
accept the rest. Line numbers are 1-based physical lines of the file,
header included.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import polars as pl
from unidecode import unidecode

from ifn.errors import InputError

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024
SEPARATORS = ("\t", ";", ",")
SEPARATOR_NAMES = {"\t": "tabulation", ";": "point-virgule", ",": "virgule"}
ENCODINGS = ("utf-8-sig", "latin-1")
DIRECTIONS = ("plus_haut_plus_fragile", "plus_haut_moins_fragile")
DIRECTION_LABELS = {"plus_haut_plus_fragile": "Plus la valeur est haute, plus le territoire est fragile",
                    "plus_haut_moins_fragile": "Plus la valeur est haute, moins le territoire est fragile"}
ID_PREFIX = "perso_"
_BINARY_MAGIC = (b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
_CODE_HINTS = ("code", "insee", "codgeo", "com", "depcom")

# Arrondissement codes → commune code (COG).
ARRONDISSEMENTS: dict[str, str] = {
    **{f"751{i:02d}": "75056" for i in range(1, 21)},
    **{f"6938{i}": "69123" for i in range(1, 10)},
    **{f"132{i:02d}": "13055" for i in range(1, 17)},
}
_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
ARRONDISSEMENT_NATURE = "arrondissement municipal"
COMBINES = ("refuse", "sum", "mean")
COMBINE_LABELS = {"refuse": "Refuser le fichier (une seule valeur par commune)",
                  "sum": "Additionner les valeurs (effectifs : personnes, lieux, équipements…)",
                  "mean": "Faire la moyenne simple des valeurs (taux, parts ; moyenne non pondérée)"}


@dataclass(frozen=True)
class Table:
    """A decoded CSV: header, rows with their 1-based file line, encoding and separator."""

    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    encoding: str
    separator: str


@dataclass(frozen=True)
class ParsedIndicator:
    """Values of one uploaded indicator.

    ``values``: ``code`` (str, COG commune) and ``value`` (Float64, null = empty cell), known codes only.
    ``unknown``: (line, code) of codes matching no commune (not used).
    ``arrondissements``: (arrondissement code, commune code) mappings applied.
    ``former``: (former commune code, 2026 commune code) mappings applied.
    ``combined``: (2026 commune code, number of rows) of communes given by several rows, combined
    with ``combine``.
    """

    values: pl.DataFrame
    unknown: tuple[tuple[int, str], ...]
    arrondissements: tuple[tuple[str, str], ...]
    encoding: str
    separator: str
    former: tuple[tuple[str, str], ...] = ()
    combined: tuple[tuple[str, int], ...] = ()
    combine: str = "refuse"

    def notices(self, shown: int = 10) -> list[str]:
        """French notices on the codes mapped to a 2026 commune and the rows combined."""
        out = []
        if self.arrondissements:
            out.append(f"{len(self.arrondissements)} code(s) d'arrondissement rattaché(s) à leur commune : "
                       + _pairs(self.arrondissements, shown) + ".")
        if self.former:
            out.append(f"{len(self.former)} code(s) d'avant 2026 rattaché(s) à leur commune de 2026 : "
                       + _pairs(self.former, shown) + ".")
        if self.combined:
            how = "additionnées" if self.combine == "sum" else "moyennées (moyenne simple, non pondérée)"
            listed = ", ".join(f"{c} ({n} lignes)" for c, n in self.combined[:shown])
            more = f" et {len(self.combined) - shown} autres" if len(self.combined) > shown else ""
            out.append(f"Valeurs {how} pour {len(self.combined)} commune(s) données sur plusieurs lignes : "
                       f"{listed}{more}.")
        return out


def _pairs(pairs, shown: int) -> str:
    listed = ", ".join(f"{a} → {b}" for a, b in pairs[:shown])
    return listed + (f" et {len(pairs) - shown} autres" if len(pairs) > shown else "")


Aliases = dict[str, tuple[str, str]]
DEFAULT_ALIASES: Aliases = {a: (c, ARRONDISSEMENT_NATURE) for a, c in ARRONDISSEMENTS.items()}


def alias_map(aliases: pl.DataFrame, known_codes: Collection[str]) -> Aliases:
    """``alias code → (2026 commune code, nature)`` from ``ifn.cache.load_aliases``.

    Codes that are themselves 2026 communes are left out (a current code wins over an alias), and
    so are alias codes pointing to several 2026 communes (ambiguous: they stay unknown).
    """
    known = set(known_codes)
    rows = aliases.filter(~pl.col("alias_code").is_in(list(known)) & pl.col("code").is_in(list(known)))
    targets = rows.group_by("alias_code").agg(pl.col("code").unique(), pl.col("nature").first())
    return {a: (codes[0], nature) for a, codes, nature in targets.iter_rows() if len(codes) == 1}


@dataclass(frozen=True)
class CustomIndicator:
    """An uploaded indicator as kept in the session.

    ``code_column``, ``value_column`` and ``source`` (file name) are optional: they are written
    into a saved preset (``[custom.<id>]``) so that the file can be read again by the command line.
    """

    id: str
    label: str
    direction: str
    weight: float
    values: pl.DataFrame  # code, value (as uploaded, before orientation)
    code_column: str | None = None
    value_column: str | None = None
    source: str | None = None


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name of ``data`` (UTF-8 with/without BOM, else Latin-1)."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), ("utf-8" if encoding == "utf-8-sig" else encoding)
        except UnicodeDecodeError:
            continue
    raise InputError("Le fichier n'est ni en UTF-8 ni en Latin-1.")  # pragma: no cover - latin-1 decodes anything


def check_bytes(data: bytes, max_bytes: int = MAX_BYTES) -> None:
    """Refuse an empty, too large or binary file."""
    if len(data) > max_bytes:
        raise InputError(f"Le fichier fait {len(data) / 1024 / 1024:.1f} Mo".replace(".", ",")
                         + f" : la taille maximale est de {max_bytes // (1024 * 1024)} Mo.")
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise InputError("Le fichier est vide : une ligne d'en-tête et au moins une ligne de données sont attendues.")
    if data.startswith(_BINARY_MAGIC) or b"\x00" in data[:4096]:
        kind = " (classeur Excel ?)" if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) else ""
        raise InputError(f"Le fichier n'est pas un fichier CSV (texte){kind} : enregistrez-le au format CSV.")


def _field_counts(text: str, separator: str, lines: int = 50) -> list[int]:
    sample = [line for line in text.splitlines()[:lines] if line.strip()]
    try:
        return [len(r) for r in csv.reader(sample, delimiter=separator)]
    except csv.Error:  # a field over the CSV module's limit: read_table names its line
        return [len(line.split(separator)) for line in sample]


def sniff_separator(text: str) -> str:
    """The separator among tab, ``;`` and ``,`` whose header has ≥ 2 fields and that splits most of the first
    50 lines into as many fields (the first in that order wins a tie).
    """
    best, best_share = None, 0.0
    for separator in SEPARATORS:
        counts = _field_counts(text, separator)
        if not counts or counts[0] < 2:
            continue
        share = sum(c == counts[0] for c in counts) / len(counts)
        if share > best_share:
            best, best_share = separator, share
    if best is not None and best_share >= 0.5:
        return best
    raise InputError("Le fichier n'est pas un CSV lisible : aucune des séparations point-virgule, tabulation ou "
                     "virgule ne donne au moins deux colonnes régulières (code commune et valeur).")


def read_table(data: bytes, max_bytes: int = MAX_BYTES) -> Table:
    """Decode and split an uploaded CSV file.

    Raises
    ------
    InputError
        Empty, too large, binary, no separator found, a row with the wrong number of fields.
    """
    check_bytes(data, max_bytes)
    text, encoding = decode(data)
    separator = sniff_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header: tuple[str, ...] | None = None
    rows = []
    try:
        for record in reader:
            if not any(field.strip() for field in record):
                continue
            fields = tuple(field.strip() for field in record)
            if header is None:
                header = fields
                continue
            if len(fields) != len(header):
                raise InputError(f"Ligne {reader.line_num} : {len(fields)} champ(s) au lieu de {len(header)} "
                                 f"(séparateur {SEPARATOR_NAMES[separator]}) : « {separator.join(fields)} ».")
            rows.append((reader.line_num, fields))
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise InputError(f"Ligne {reader.line_num} : un champ dépasse {csv.field_size_limit():,} caractères "
                             "(guillemet non fermé ?) : le fichier n'est pas un CSV lisible.".replace(",", " ")) from None
        raise InputError(f"Ligne {reader.line_num} : le fichier n'est pas un CSV valide ({exc}).") from None
    if header is None or not rows:
        raise InputError("Le fichier n'a pas de ligne de données : une ligne d'en-tête puis une ligne par commune "
                         "sont attendues.")
    if len(set(header)) != len(header):
        raise InputError(f"Ligne 1 : l'en-tête contient deux colonnes de même nom : « {separator.join(header)} ».")
    return Table(header=header, rows=tuple(rows), encoding=encoding, separator=separator)


def _numeric_share(table: Table, index: int, sample: int = 50) -> float:
    ok = 0
    rows = table.rows[:sample]
    for _, fields in rows:
        try:
            ok += parse_number(fields[index]) is not None
        except ValueError:
            pass
    return ok / len(rows) if rows else 0.0


def guess_columns(table: Table) -> tuple[str, str]:
    """Likely (code column, value column): the first header naming a code (else the first column), then the
    other column with the most numeric cells among the first 50 rows (the first one on a tie).
    """
    header = table.header
    folded = [unidecode(h).lower() for h in header]
    code = next((header[i] for i, h in enumerate(folded) if any(k in h for k in _CODE_HINTS)), header[0])
    others = [i for i, h in enumerate(header) if h != code]
    value = max(others, key=lambda i: (_numeric_share(table, i), -i))
    return code, header[value]


def normalise_code(raw: str) -> str:
    """COG commune code from a cell: quotes and spaces removed, upper case, 4 digits → leading zero."""
    code = raw.strip().strip("'\"").replace(" ", "").upper()
    if code.isdigit() and len(code) == 4:
        code = "0" + code
    return code


class AmbiguousNumber(ValueError):
    """A number written with both a comma and a point (``1,234.5``): thousands or decimals?"""


class HugeNumber(ValueError):
    """A number whose magnitude would make the index computation overflow."""


MAX_MAGNITUDE = 1e15  # population-weighted means multiply values by ~1e7 inhabitants, then sum them


def parse_number(raw: str) -> float | None:
    """Float from a French or English number cell; None for an empty cell; ValueError otherwise.

    Spaces (plain, no-break, narrow) separate thousands; a single comma or point is the decimal
    mark. With both, the last one is the decimal mark and the other must group thousands by three
    (``1,234.5`` and ``1.234,5`` are 1234.5); otherwise (``1,23.4``, ``1.2.3,4``) the cell is refused
    as ambiguous (``AmbiguousNumber``), so is a magnitude above ``MAX_MAGNITUDE`` (``HugeNumber``).
    """
    text = raw.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not text:
        return None
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        if not re.fullmatch(rf"[+-]?\d{{1,3}}(\{thousands}\d{{3}})+\{decimal}\d*", text):
            raise AmbiguousNumber(raw)
        text = text.replace(thousands, "")
    if text.count(",") > 1:
        raise ValueError(raw)
    value = float(text.replace(",", "."))
    if not math.isfinite(value):
        raise ValueError(raw)
    if abs(value) > MAX_MAGNITUDE:
        raise HugeNumber(raw)
    return value


def parse_indicator(table: Table, code_column: str, value_column: str,
                    known_codes: Collection[str] | None = None, aliases: Aliases | None = None,
                    combine: str = "refuse") -> ParsedIndicator:
    """One value per commune code from ``table``.

    Parameters
    ----------
    table : from ``read_table``.
    code_column, value_column : header names of the commune code and of the value.
    known_codes : the COG commune codes; codes outside are returned in ``unknown``.
    aliases : ``alias_map`` of the cache (default: the 45 arrondissements of Paris, Lyon, Marseille).
    combine : rows landing on one commune: ``refuse`` (InputError), ``sum`` or ``mean`` (plain mean of
        the non-empty values; empty when all are empty).

    Raises
    ------
    InputError
        Unknown column, non-numeric value, duplicated code (after mapping, with ``combine="refuse"``).
    """
    for column in (code_column, value_column):
        if column not in table.header:
            raise InputError(f"La colonne « {column} » n'existe pas : colonnes du fichier : {', '.join(table.header)}.")
    if code_column == value_column:
        raise InputError("Choisissez deux colonnes différentes pour le code commune et pour la valeur.")
    if combine not in COMBINES:
        raise InputError(f"Regroupement « {combine} » inconnu : attendu {', '.join(COMBINES)}.")
    aliases = DEFAULT_ALIASES if aliases is None else aliases
    ci, vi = table.header.index(code_column), table.header.index(value_column)
    known = set(known_codes) if known_codes is not None else None
    seen: dict[str, tuple[int, str]] = {}
    groups: dict[str, list[float | None]] = {}
    unknown, arrondissements, former = [], [], []
    for line, fields in table.rows:
        raw_code = fields[ci]
        code = normalise_code(raw_code)
        if not code:
            raise InputError(f"Ligne {line} : le code commune est vide (colonne « {code_column} »).")
        try:
            value = parse_number(fields[vi])
        except AmbiguousNumber:
            raise InputError(f"Ligne {line} : la valeur « {fields[vi]} » (colonne « {value_column} », code "
                             f"{raw_code}) est ambiguë : elle contient une virgule et un point. Écrivez-la sans "
                             "séparateur de milliers (1234,5 ou 1234.5) ou avec des milliers par groupes de trois (1 234,5).") from None
        except HugeNumber:
            raise InputError(f"Ligne {line} : la valeur « {fields[vi]} » (colonne « {value_column} », code "
                             f"{raw_code}) dépasse un million de milliards en valeur absolue : les calculs de "
                             "l'indice (moyennes pondérées par la population) déborderaient.") from None
        except ValueError:
            raise InputError(f"Ligne {line} : la valeur « {fields[vi]} » (colonne « {value_column} », code "
                             f"{raw_code}) n'est pas un nombre.") from None
        is_current = known is not None and code in known
        commune, nature = (code, None) if is_current or code not in aliases else aliases[code]
        if commune in seen:
            first_line, first_raw = seen[commune]
            if combine == "refuse":
                if commune != code or normalise_code(first_raw) != commune:
                    raise InputError(
                        f"Lignes {first_line} et {line} : « {first_raw} » et « {raw_code} » désignent la même "
                        f"commune {commune} (arrondissements de Paris, Lyon ou Marseille, ou anciennes communes "
                        "fusionnées) ; choisissez d'additionner ou de moyenner ces valeurs (« Plusieurs lignes "
                        f"pour une même commune »), ou donnez une seule valeur pour la commune {commune}.")
                raise InputError(f"Lignes {first_line} et {line} : le code commune « {commune} » apparaît deux fois.")
            if commune == code and normalise_code(first_raw) == commune:
                raise InputError(f"Lignes {first_line} et {line} : le code commune « {commune} » apparaît deux fois.")
        else:
            seen[commune] = (line, raw_code)
        if known is not None and (commune not in known or not _CODE.match(commune)):
            unknown.append((line, raw_code))
            continue
        if commune != code:
            (arrondissements if nature == ARRONDISSEMENT_NATURE else former).append((code, commune))
        groups.setdefault(commune, []).append(value)
    codes, values, combined = [], [], []
    for commune, given in groups.items():
        codes.append(commune)
        present = [v for v in given if v is not None]
        if len(given) > 1:
            combined.append((commune, len(given)))
            values.append(None if not present else (math.fsum(present) if combine == "sum"
                                                    else math.fsum(present) / len(present)))
        else:
            values.append(given[0])
    frame = pl.DataFrame({"code": codes, "value": values}, schema={"code": pl.String, "value": pl.Float64})
    if frame.height == 0 and unknown:
        listed = ", ".join(c for _, c in unknown[:10])
        raise InputError(f"Aucun code du fichier ne correspond à une commune (COG 2026) : {listed}"
                         f"{' …' if len(unknown) > 10 else ''}.")
    return ParsedIndicator(values=frame, unknown=tuple(unknown), arrondissements=tuple(arrondissements),
                           encoding=table.encoding, separator=table.separator, former=tuple(former),
                           combined=tuple(combined), combine=combine)


def parse_upload(data: bytes, known_codes: Collection[str] | None = None, code_column: str | None = None,
                 value_column: str | None = None, max_bytes: int = MAX_BYTES) -> ParsedIndicator:
    """``read_table`` then ``parse_indicator`` (columns guessed when not given)."""
    table = read_table(data, max_bytes)
    guess_code, guess_value = guess_columns(table)
    code_column = code_column or guess_code
    if value_column is None:
        value_column = guess_value if guess_value != code_column else next(h for h in table.header if h != code_column)
    return parse_indicator(table, code_column, value_column, known_codes)


def indicator_id(label: str, taken: Collection[str] = ()) -> str:
    """Column id for a user label: ``perso_`` + ASCII slug, made unique against ``taken``."""
    slug = re.sub(r"[^a-z0-9]+", "_", unidecode(label).lower()).strip("_")[:40] or "indicateur"
    base = ID_PREFIX + slug
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def oriented(values: pl.Series, direction: str) -> pl.Series:
    """Values oriented higher = more fragile.

    ``plus_haut_moins_fragile`` is reflected within the observed range
    (x → min + max − x): order reversed, range and unit kept.
    """
    if direction not in DIRECTIONS:
        raise InputError(f"Sens « {direction} » inconnu : attendu {' ou '.join(DIRECTIONS)}.")
    if direction == "plus_haut_plus_fragile":
        return values
    return (values.min() + values.max()) - values if values.drop_nulls().len() else values


def extra_frame(indicators: Sequence[CustomIndicator]) -> pl.DataFrame | None:
    """The ``extra`` frame of ``ifn.score``: ``code`` + one oriented column per custom indicator."""
    if not indicators:
        return None
    frame = None
    for ind in indicators:
        column = ind.values.select("code", oriented(ind.values["value"], ind.direction).alias(ind.id))
        frame = column if frame is None else frame.join(column, on="code", how="full", coalesce=True)
    return frame.sort("code")


def customs_key(indicators: Sequence[CustomIndicator]) -> str:
    """Digest identifying custom indicators for a cache key: ids, directions and values, in order."""
    digest = hashlib.sha256()
    for ind in indicators:
        digest.update(f"{ind.id}|{ind.direction}|".encode())
        digest.update(ind.values.hash_rows().to_numpy().tobytes())
    return digest.hexdigest()

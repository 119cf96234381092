"""Weight presets as TOML, shared by the command line (``--weights``) and the analyst page.

Format::

    [weights]
    fibre = 1.0
    couv4g = 1.0
    pauvrete = 2.0
    perso_travailleurs_sociaux = 1.0

    [settings]            # optional
    variant = "tout_age"
    method = "rank"       # rank | decile | minmax | base100
    reference = "france"  # base100 only: france, reg, dep, reg:<code>, dep:<code>
    impute = true
    min_indicators = 3

    [custom.perso_travailleurs_sociaux]   # optional, one table per user indicator
    label = "Travailleurs sociaux"
    direction = "plus_haut_moins_fragile" # ifn.upload.DIRECTIONS
    code_column = "code"                  # optional: guessed from the file when absent
    value_column = "taux"                 # optional: guessed from the file when absent
    file = "travailleurs.csv"             # optional, informative (name of the uploaded file)

Indicators not listed get weight 0 (excluded from the IFN). A ``[custom.<id>]``
table describes a user indicator (no values: the file is given again, e.g.
``python -m ifn score --extra <id>=FICHIER.csv``); its id may then be weighted.
Presets without ``[custom]`` load exactly as before.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from ifn.catalogue import load_catalogue
from ifn.errors import IFNError, InputError
from ifn.score import ScoreOptions, resolve_selection
from ifn.upload import DIRECTIONS, CustomIndicator

SETTINGS = ("variant", "method", "reference", "impute", "min_indicators")
TABLES = ("weights", "settings", "custom")
CUSTOM_KEYS = ("label", "direction", "code_column", "value_column", "file")
CUSTOM_REQUIRED = ("label", "direction")
_CUSTOM_ID = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True)
class CustomSpec:
    """A user indicator as described by a preset's ``[custom.<id>]`` table (no values).

    ``code_column`` / ``value_column``: header names in the file (None = guessed as on the page);
    ``file``: name of the file uploaded on the page (informative only).
    """

    id: str
    label: str
    direction: str
    code_column: str | None = None
    value_column: str | None = None
    file: str | None = None


@dataclass(frozen=True)
class Preset:
    """A parsed preset: score options and the user indicators it describes (in file order)."""

    options: ScoreOptions
    customs: tuple[CustomSpec, ...] = ()
    notices: tuple[str, ...] = ()  # French notices (weights of retired indicators ignored)

    def custom(self, id: str) -> CustomSpec | None:
        return next((c for c in self.customs if c.id == id), None)

    def weighted_missing(self, present: Collection[str]) -> list[CustomSpec]:
        """User indicators the preset weights (> 0) whose values are not in ``present`` (ids at hand)."""
        weights = self.options.weights or {}
        return [c for c in self.customs if c.id not in present and weights.get(c.id, 0) > 0]


def custom_spec(indicator: CustomIndicator | CustomSpec) -> CustomSpec:
    """The preset description of a session indicator (``ifn.upload.CustomIndicator``)."""
    if isinstance(indicator, CustomSpec):
        return indicator
    return CustomSpec(id=indicator.id, label=indicator.label, direction=indicator.direction,
                      code_column=indicator.code_column, value_column=indicator.value_column,
                      file=indicator.source)


def _read(source: bytes | str | Path) -> tuple[str, str]:
    if isinstance(source, bytes):
        name = "fichier de poids"
        try:
            return source.decode("utf-8-sig"), name
        except UnicodeDecodeError as exc:
            raise InputError(f"Le {name} n'est pas encodé en UTF-8 (octet {exc.start}).") from exc
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8-sig"), f"fichier de poids « {path} »"
    except FileNotFoundError as exc:
        raise InputError(f"Le fichier de poids « {path} » est introuvable.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Le fichier de poids « {path} » est illisible : {exc}.") from exc


def parse_custom(table: object, name: str = "fichier de poids") -> tuple[CustomSpec, ...]:
    """Validate the ``custom`` table of a preset (``{id: {label, direction, …}}``).

    Raises
    ------
    InputError
        French message naming the file, the ``[custom.<id>]`` table and the faulty key or value.
    """
    if not isinstance(table, dict):
        raise InputError(f"Dans le {name}, « custom » doit contenir des tables [custom.<id>] "
                         f"(exemple : [custom.perso_taux] avec label et direction).")
    specs = []
    for id, entry in table.items():
        where = f"Dans le {name}, table [custom.{id}]"
        if not _CUSTOM_ID.match(id):
            raise InputError(f"Dans le {name}, l'identifiant d'indicateur personnel « {id} » n'est pas valide : "
                             f"lettres minuscules sans accents, chiffres et « _ » seulement (exemple : perso_taux).")
        if not isinstance(entry, dict):
            raise InputError(f"{where} : « {id} » vaut « {entry} » : une table est attendue "
                             f"([custom.{id}] puis label = …, direction = …).")
        for key in entry:
            if key not in CUSTOM_KEYS:
                raise InputError(f"{where} : la clé « {key} » est inconnue : clés possibles : "
                                 f"{', '.join(CUSTOM_KEYS)}.")
        for key in CUSTOM_REQUIRED:
            if key not in entry:
                hint = "le nom de l'indicateur" if key == "label" else f"le sens : {' ou '.join(DIRECTIONS)}"
                raise InputError(f"{where} : la clé « {key} » manque ({hint}).")
        for key, value in entry.items():
            if not isinstance(value, str):
                raise InputError(f"{where} : la clé « {key} » vaut « {value} » : un texte est attendu.")
            if key not in ("code_column", "value_column") and not value.strip():
                raise InputError(f"{where} : la clé « {key} » est vide : un texte non vide est attendu.")
        if entry["direction"] not in DIRECTIONS:
            raise InputError(f"{where} : la clé « direction » vaut « {entry['direction']} » : "
                             f"attendu {' ou '.join(DIRECTIONS)}.")
        if "code_column" in entry and entry.get("code_column") == entry.get("value_column"):
            raise InputError(f"{where} : « code_column » et « value_column » valent toutes deux "
                             f"« {entry['code_column']} » : deux colonnes différentes sont attendues.")
        specs.append(CustomSpec(id=id, label=entry["label"].strip(), direction=entry["direction"],
                                code_column=entry.get("code_column"), value_column=entry.get("value_column"),
                                file=entry.get("file")))
    return tuple(specs)


def read_preset(source: bytes | str | Path, extra_ids: tuple[str, ...] = ()) -> Preset:
    """Read a preset (bytes of an upload, or a path): validated ``ScoreOptions`` and ``[custom]`` descriptions.

    ``extra_ids`` lists further custom indicator ids that the weights may name (the ids of the
    ``[custom.<id>]`` tables are always allowed).

    Raises
    ------
    InputError
        French message naming the file and the faulty key or value.
    """
    text, name = _read(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"Le {name} n'est pas un TOML valide : {exc}.") from exc
    except RecursionError:
        raise InputError(f"Le {name} n'est pas un préréglage lisible : tables ou listes imbriquées trop "
                         "profondément (un préréglage n'a que [weights], [settings] et [custom.<id>]).") from None
    unknown = [k for k in data if k not in TABLES]
    if unknown:
        raise InputError(f"Le {name} contient la table inconnue « {unknown[0]} » : attendu [weights], [settings] "
                         f"et [custom.<id>].")
    weights = data.get("weights")
    if not isinstance(weights, dict) or not weights:
        raise InputError(f"Le {name} n'a pas de table [weights] (exemple : fibre = 1.0).")
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        raise InputError(f"Dans le {name}, « settings » doit être une table [settings].")
    for key in settings:
        if key not in SETTINGS:
            raise InputError(f"Dans le {name}, le réglage « {key} » est inconnu : réglages possibles : {', '.join(SETTINGS)}.")
    for key in ("variant", "method", "reference"):
        if key in settings and not isinstance(settings[key], str):
            raise InputError(f"Dans le {name}, le réglage « {key} » vaut « {settings[key]} » : un texte est attendu.")
    if "impute" in settings and not isinstance(settings["impute"], bool):
        raise InputError(f"Dans le {name}, le réglage « impute » vaut « {settings['impute']} » : true ou false est attendu.")
    customs = parse_custom(data["custom"], name) if "custom" in data else ()
    weights, notices = drop_retired(dict(weights), name)
    options = ScoreOptions(
        variant=settings.get("variant", "tout_age"),
        weights=weights,
        method=settings.get("method", "rank"),
        reference=settings.get("reference"),
        impute=settings.get("impute", True),
        min_indicators=settings.get("min_indicators", 3),
    )
    ids = tuple(extra_ids) + tuple(c.id for c in customs if c.id not in extra_ids)
    try:
        resolve_selection(options, ids)
    except IFNError as exc:
        raise InputError(f"Dans le {name} : {exc}") from exc
    return Preset(options=options, customs=customs, notices=notices)


def drop_retired(weights: dict, name: str = "fichier de poids") -> tuple[dict | None, tuple[str, ...]]:
    """Weights without the indicators that left the catalogue, and a French notice for each.

    When only retired indicators were weighted, the variant's default weights apply
    (``None``), and the notice says so.
    """
    catalogue = load_catalogue()
    notices = []
    kept = {}
    for id, value in weights.items():
        reason = catalogue.retired_reason(id) if not catalogue.has_indicator(id) else None
        if reason:
            notices.append(f"Le {name} pondère « {id} », qui n'existe plus : son poids est ignoré. {reason}")
        else:
            kept[id] = value
    if notices and not any(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in kept.values()):
        notices.append("Aucun autre indicateur n'est pondéré : les poids égaux de la variante s'appliquent.")
        return None, tuple(notices)
    return kept, tuple(notices)


def load_preset(source: bytes | str | Path, extra_ids: tuple[str, ...] = ()) -> ScoreOptions:
    """The validated ``ScoreOptions`` of a preset (``read_preset`` without the ``[custom]`` descriptions).

    ``extra_ids`` lists custom indicator ids that the weights may name, besides those described
    in ``[custom.<id>]`` tables.

    Raises
    ------
    InputError
        French message naming the file and the faulty key or value.
    """
    return read_preset(source, extra_ids).options


def dump_preset(options: ScoreOptions, extra_ids: tuple[str, ...] = (),
                customs: Sequence[CustomIndicator | CustomSpec] = ()) -> str:
    """TOML text of ``options`` (validated first); weights default to the resolved equal weights.

    ``customs`` (session indicators or their descriptions) are written as ``[custom.<id>]``
    tables so that the command line can read their files again (``--extra``); their ids are
    allowed in the weights like ``extra_ids``.
    """
    specs = [custom_spec(c) for c in customs]
    ids = tuple(extra_ids) + tuple(s.id for s in specs if s.id not in extra_ids)
    selection = resolve_selection(options, ids)
    weights = dict(options.weights) if options.weights is not None else selection.weights
    settings = {"variant": options.variant, "method": options.method, "impute": options.impute,
                "min_indicators": options.min_indicators}
    if options.reference is not None:
        settings["reference"] = options.reference
    document = {"weights": {k: float(v) for k, v in weights.items()}, "settings": settings}
    if specs:
        document["custom"] = {
            s.id: {key: value for key, value in (("label", s.label), ("direction", s.direction),
                                                 ("code_column", s.code_column), ("value_column", s.value_column),
                                                 ("file", s.file)) if value is not None}
            for s in specs}
    text = tomli_w.dumps(document)
    read_preset(text.encode(), tuple(extra_ids))  # what is written must load back (labels, directions, ids)
    return text

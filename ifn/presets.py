"""Weight presets as TOML, shared by the command line (``--weights``) and the analyst page.

Format::

    [weights]
    thd = 1.0
    mobile = 1.0
    pauvrete = 2.0

    [settings]            # optional
    variant = "tout_age"
    method = "rank"       # rank | decile | minmax | base100
    reference = "france"  # base100 only: france, reg, dep, reg:<code>, dep:<code>
    impute = true
    min_indicators = 3

Indicators not listed get weight 0 (excluded from the IFN).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import tomli_w

from ifn.errors import IFNError, InputError
from ifn.score import ScoreOptions, resolve_selection

SETTINGS = ("variant", "method", "reference", "impute", "min_indicators")


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


def load_preset(source: bytes | str | Path, extra_ids: tuple[str, ...] = ()) -> ScoreOptions:
    """Read a preset (bytes of an upload, or a path) into validated ``ScoreOptions``.

    ``extra_ids`` lists custom indicator ids that the weights may name.

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
    unknown = [k for k in data if k not in ("weights", "settings")]
    if unknown:
        raise InputError(f"Le {name} contient la table inconnue « {unknown[0]} » : attendu [weights] et [settings].")
    weights = data.get("weights")
    if not isinstance(weights, dict) or not weights:
        raise InputError(f"Le {name} n'a pas de table [weights] (exemple : thd = 1.0).")
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
    options = ScoreOptions(
        variant=settings.get("variant", "tout_age"),
        weights=dict(weights),
        method=settings.get("method", "rank"),
        reference=settings.get("reference"),
        impute=settings.get("impute", True),
        min_indicators=settings.get("min_indicators", 3),
    )
    try:
        resolve_selection(options, tuple(extra_ids))
    except IFNError as exc:
        raise InputError(f"Dans le {name} : {exc}") from exc
    return options


def dump_preset(options: ScoreOptions, extra_ids: tuple[str, ...] = ()) -> str:
    """TOML text of ``options`` (validated first); weights default to the resolved equal weights."""
    selection = resolve_selection(options, tuple(extra_ids))
    weights = dict(options.weights) if options.weights is not None else selection.weights
    settings = {"variant": options.variant, "method": options.method, "impute": options.impute,
                "min_indicators": options.min_indicators}
    if options.reference is not None:
        settings["reference"] = options.reference
    return tomli_w.dumps({"weights": {k: float(v) for k, v in weights.items()}, "settings": settings})

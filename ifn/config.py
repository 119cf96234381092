"""Where the data live: the open-data bundle and the derived cache.

Resolution order for the bundle directory:

1. environment variable ``IFN_DATA_DIR``;
2. ``data_dir`` in the ``[ifn]`` table of ``.streamlit/ifn.toml`` (or the
   file named by ``IFN_CONFIG``);
3. ``../shared/opendata`` relative to the project root, when it exists.

The cache directory is ``IFN_CACHE_DIR`` or ``[ifn] cache_dir`` or
``data/cache`` under the project root (git-ignored).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ifn.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_ENV = "IFN_DATA_DIR"
CACHE_ENV = "IFN_CACHE_DIR"
CONFIG_ENV = "IFN_CONFIG"
DEFAULT_CONFIG = PROJECT_ROOT / ".streamlit" / "ifn.toml"
DEFAULT_BUNDLE = PROJECT_ROOT.parent / "shared" / "opendata"
DEFAULT_CACHE = PROJECT_ROOT / "data" / "cache"

SETTING_HINT = (
    f"Indiquez le dossier des données ouvertes avec la variable d'environnement "
    f"{DATA_ENV} ou la clé « data_dir » de la table [ifn] du fichier "
    f".streamlit/ifn.toml."
)


@dataclass(frozen=True)
class Settings:
    """Resolved locations."""

    data_dir: Path
    cache_dir: Path


def _file_settings() -> dict:
    path = Path(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG))
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh).get("ifn", {})
    except (tomllib.TOMLDecodeError, OSError) as exc:
        raise ConfigError(
            f"Le fichier de configuration « {path} » est illisible : {exc}."
        ) from exc


def resolve_settings() -> Settings:
    """Return the bundle and cache directories (the bundle is not checked here)."""
    conf = _file_settings()
    data = os.environ.get(DATA_ENV) or conf.get("data_dir") or DEFAULT_BUNDLE
    cache = os.environ.get(CACHE_ENV) or conf.get("cache_dir") or DEFAULT_CACHE
    data_dir = Path(data)
    if not data_dir.is_absolute():
        data_dir = (PROJECT_ROOT / data_dir).resolve()
    cache_dir = Path(cache)
    if not cache_dir.is_absolute():
        cache_dir = (PROJECT_ROOT / cache_dir).resolve()
    return Settings(data_dir=data_dir, cache_dir=cache_dir)


def require_data_dir(settings: Settings) -> Path:
    """Return the bundle directory or raise a French ConfigError."""
    if not settings.data_dir.is_dir():
        raise ConfigError(
            f"Le dossier des données ouvertes « {settings.data_dir} » est introuvable. "
            + SETTING_HINT
        )
    return settings.data_dir

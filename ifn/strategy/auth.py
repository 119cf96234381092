"""Editors' credentials: bcrypt hashes from the app's secrets or the environment.

``[auth.editors]`` of ``.streamlit/secrets.toml`` (user = "bcrypt hash") or the
environment variable ``IFN_EDITORS="user:hash,user2:hash2"``. Plain passwords are
never stored. The page passes both sources as plain dicts (no streamlit here).
"""

from __future__ import annotations

import logging
import os

import bcrypt

from ifn.errors import ConfigError

log = logging.getLogger(__name__)
ENV = "IFN_EDITORS"


def parse_env(value: str | None) -> dict[str, str]:
    """``"alice:$2b$…,bob:$2b$…"`` → ``{"alice": "$2b$…", …}``."""
    editors: dict[str, str] = {}
    for item in (value or "").split(","):
        item = item.strip()
        if not item:
            continue
        user, sep, hashed = item.partition(":")
        if not sep or not user.strip() or not hashed.strip().startswith("$2"):
            raise ConfigError(f"Variable {ENV} : l'élément « {user.strip() or item[:20]} » n'est pas de la forme "
                              "« utilisateur:empreinte_bcrypt ».")
        editors[user.strip()] = hashed.strip()
    return editors


def editors_from(secrets_auth: dict | None = None, env: dict | None = None) -> dict[str, str]:
    """Merge ``[auth.editors]`` of the secrets with ``IFN_EDITORS`` (the environment wins)."""
    env = os.environ if env is None else env
    editors = {str(k): str(v) for k, v in dict((secrets_auth or {}).get("editors", {}) or {}).items()}
    for user, hashed in editors.items():
        if not hashed.startswith("$2"):
            raise ConfigError(f"Secrets [auth.editors] : la valeur de « {user} » n'est pas une empreinte bcrypt "
                              "(les mots de passe en clair sont refusés ; utilisez python -m ifn hash-password).")
    editors.update(parse_env(env.get(ENV)))
    return editors


def check_password(editors: dict[str, str], user: str, password: str) -> bool:
    """True when ``user`` is an editor and ``password`` matches its bcrypt hash."""
    hashed = editors.get((user or "").strip())
    if not hashed or not password:
        return False
    try:
        return bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii"))
    except ValueError:
        log.warning("invalid bcrypt hash for editor %s", user)
        return False


def hash_password(password: str, rounds: int = 12) -> str:
    """bcrypt hash of a password (to paste into the secrets or IFN_EDITORS)."""
    if not password:
        raise ConfigError("Le mot de passe est vide.")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def oidc_editor(email: str | None, allowed: list[str] | tuple[str, ...] | None) -> bool:
    """An OIDC-signed-in user is an editor when their e-mail is listed (case-insensitive)."""
    if not email:
        return False
    return email.strip().lower() in {a.strip().lower() for a in (allowed or [])}

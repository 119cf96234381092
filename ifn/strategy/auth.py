"""Editors' credentials: bcrypt hashes from the app's secrets or the environment, sign-in throttling.

``[auth.editors]`` of ``.streamlit/secrets.toml`` (user = "bcrypt hash") or the
environment variable ``IFN_EDITORS="user:hash,user2:hash2"``. Plain passwords are
never stored. The page passes both sources as plain dicts (no streamlit here).

A malformed entry (no colon, a plain password, not a bcrypt hash, a cost below
``MIN_COST``, ``editors`` not a table) is ignored with a warning in the server log
that names its position but never its value; the other entries stay usable.
User names compare case-insensitively (``Alice`` = ``alice``).

``check_password`` spends one bcrypt verification whether the user exists or not (a
dummy hash of the same cost for unknown users), so that the time of a failure does
not tell which names are editors. ``Throttle`` slows repeated failures down, per
user name and per session: from the ``FREE_FAILURES``-th failure on, the next try is
refused until a delay doubling with each further failure has passed.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field

import bcrypt

from ifn.errors import InputError

log = logging.getLogger(__name__)
ENV = "IFN_EDITORS"
MIN_COST = 10
DEFAULT_COST = 12
MAX_PASSWORD_BYTES = 72  # bcrypt reads at most 72 bytes
_BCRYPT = re.compile(r"^\$2[abxy]?\$(\d\d)\$[./A-Za-z0-9]{53}$")


@dataclass(frozen=True)
class Editors:
    """Valid editors (case-folded user name → bcrypt hash) and how many entries were ignored."""

    hashes: dict[str, str]
    ignored: int = 0


def user_key(user: str | None) -> str:
    """The form under which user names are compared: stripped, case-folded."""
    return (user or "").strip().casefold()


def hash_cost(hashed: str) -> int | None:
    """The cost factor of a bcrypt hash, None when ``hashed`` is not one."""
    match = _BCRYPT.match(hashed.strip())
    return int(match.group(1)) if match else None


def _accept(editors: dict[str, str], user: str, hashed: str, where: str) -> bool:
    """Add one entry when valid; log why otherwise (never the value)."""
    key = user_key(user)
    cost = hash_cost(hashed)
    if not key or cost is None:
        log.warning("%s ignored: not of the form user:bcrypt_hash (plain passwords are refused)", where)
        return False
    if cost < MIN_COST:
        log.warning("%s ignored: bcrypt cost %d is below the minimum %d (python -m ifn hash-password)",
                    where, cost, MIN_COST)
        return False
    if key in editors:
        log.warning("%s ignored: the same user name (case-insensitive) is already an editor", where)
        return False
    editors[key] = hashed.strip()
    return True


def parse_env(value: str | None) -> Editors:
    """``"alice:$2b$…,bob:$2b$…"`` → editors; malformed items are ignored with a log warning."""
    editors: dict[str, str] = {}
    ignored = 0
    for n, item in enumerate((value or "").split(","), start=1):
        if not item.strip():
            continue
        user, sep, hashed = item.strip().partition(":")
        if not _accept(editors, user if sep else "", hashed, f"{ENV} item {n}"):
            ignored += 1
    return Editors(editors, ignored)


def load_editors(secrets_auth: dict | None = None, env: dict | None = None) -> Editors:
    """Merge ``[auth.editors]`` of the secrets with ``IFN_EDITORS`` (the environment wins)."""
    env = os.environ if env is None else env
    table = (secrets_auth or {}).get("editors", {}) if isinstance(secrets_auth, dict) else {}
    editors: dict[str, str] = {}
    ignored = 0
    if not isinstance(table, dict):
        log.warning("secrets [auth] editors ignored: a table [auth.editors] (user = \"bcrypt hash\") is expected")
        table, ignored = {}, 1
    for n, (user, hashed) in enumerate(table.items(), start=1):
        if not isinstance(hashed, str) or not _accept(editors, str(user), hashed, f"secrets [auth.editors] entry {n}"):
            ignored += 1
    from_env = parse_env(env.get(ENV))
    editors.update(from_env.hashes)
    return Editors(editors, ignored + from_env.ignored)


def editors_from(secrets_auth: dict | None = None, env: dict | None = None) -> dict[str, str]:
    """The valid editors of ``load_editors`` (case-folded user name → hash)."""
    return load_editors(secrets_auth, env).hashes


_dummy_lock = threading.Lock()
_dummies: dict[int, bytes] = {}


def _dummy_hash(cost: int) -> bytes:
    """A hash of a random secret at ``cost``: what an unknown user's password is checked against."""
    with _dummy_lock:
        if cost not in _dummies:
            _dummies[cost] = bcrypt.hashpw(os.urandom(16), bcrypt.gensalt(cost))
        return _dummies[cost]


def check_password(editors: dict[str, str], user: str, password: str) -> bool:
    """True when ``user`` (case-insensitive) is an editor and ``password`` matches its bcrypt hash.

    One bcrypt verification is spent in every case (known or unknown user, empty or over-long
    password), at the cost of the configured hashes.
    """
    hashed = editors.get(user_key(user))
    costs = [hash_cost(h) or DEFAULT_COST for h in editors.values()]
    cost = hash_cost(hashed) if hashed else max(costs, default=DEFAULT_COST)
    secret = (password or "").encode("utf-8")
    usable = hashed is not None and 0 < len(secret) <= MAX_PASSWORD_BYTES
    target = hashed.encode("ascii") if usable else _dummy_hash(cost or DEFAULT_COST)
    try:
        ok = bcrypt.checkpw(secret[:MAX_PASSWORD_BYTES] or b"-", target)
    except ValueError:
        log.warning("invalid bcrypt hash for an editor")
        return False
    return bool(ok and usable)


def hash_password(password: str, rounds: int = DEFAULT_COST) -> str:
    """Bcrypt hash of a password (to paste into the secrets or IFN_EDITORS)."""
    if not password:
        raise InputError("Le mot de passe est vide.")
    secret = password.encode("utf-8")
    if len(secret) > MAX_PASSWORD_BYTES:
        raise InputError(f"Mot de passe trop long : {len(secret)} octets en UTF-8, bcrypt n'en lit que "
                         f"{MAX_PASSWORD_BYTES} (un caractère accentué compte pour 2). Choisissez-en un plus court.")
    if rounds < MIN_COST:
        raise InputError(f"Coût bcrypt {rounds} trop faible : {MIN_COST} au moins.")
    return bcrypt.hashpw(secret, bcrypt.gensalt(rounds)).decode("ascii")


def oidc_editor(email: str | None, allowed: list[str] | tuple[str, ...] | None) -> bool:
    """An OIDC-signed-in user is an editor when their e-mail is listed (case-insensitive)."""
    if not email:
        return False
    return email.strip().lower() in {a.strip().lower() for a in (allowed or [])}


# ---------------------------------------------------------------- throttling

FREE_FAILURES = 3
FIRST_DELAY = 2.0   # seconds after the FREE_FAILURES-th failure, doubled by each further one
MAX_DELAY = 300.0
FORGET_AFTER = 3600.0  # a key without failure for this long starts afresh


def _clock() -> float:
    return time.monotonic()


@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0


@dataclass
class Throttle:
    """Failures per key (``user:<name>``, ``session:<id>``) and the delay they impose (thread-safe)."""

    records: dict[str, _Record] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def delay_after(failures: int) -> float:
        """Seconds to wait after ``failures`` consecutive failures: 0, 0, 2, 4, 8 … up to MAX_DELAY."""
        if failures < FREE_FAILURES:
            return 0.0
        return min(MAX_DELAY, FIRST_DELAY * 2 ** (failures - FREE_FAILURES))

    def wait(self, keys: list[str]) -> float:
        """Seconds before another try is allowed for any of ``keys`` (0 = now)."""
        now = _clock()
        with self.lock:
            waits = [r.last + self.delay_after(r.failures) - now for k in keys if (r := self.records.get(k))]
        return max([0.0, *waits])

    def failed(self, keys: list[str]) -> None:
        now = _clock()
        with self.lock:
            for k in [k for k, r in self.records.items() if now - r.last > FORGET_AFTER]:
                del self.records[k]
            for k in keys:
                r = self.records.setdefault(k, _Record())
                r.failures, r.last = r.failures + 1, now

    def succeeded(self, keys: list[str]) -> None:
        with self.lock:
            for k in keys:
                self.records.pop(k, None)

    def reset(self) -> None:
        with self.lock:
            self.records.clear()


THROTTLE = Throttle()


@dataclass(frozen=True)
class SignIn:
    """Outcome of a sign-in attempt: the editor's name, or a French message."""

    editor: str | None
    message: str | None = None


def sign_in(editors: dict[str, str], user: str, password: str, session: str,
            throttle: Throttle = THROTTLE) -> SignIn:
    """Check a sign-in with throttling per user name and per session; log failures without the password."""
    key = user_key(user)
    keys = [f"user:{key}", f"session:{session}"]
    wait = throttle.wait(keys)
    if wait > 0:
        log.warning("sign-in refused (throttled, %.0f s left) for %s", wait,
                    "editor " + key if key in editors else "an unknown user name")
        return SignIn(None, f"Trop d'essais infructueux : réessayez dans {int(wait) + 1} s.")
    if check_password(editors, user, password):
        throttle.succeeded(keys)
        log.info("sign-in of editor %s", key)
        return SignIn(key)
    throttle.failed(keys)
    log.warning("sign-in failed for %s", "editor " + key if key in editors else "an unknown user name")
    return SignIn(None, "Identifiant ou mot de passe incorrect.")


"""Benchmark of the strategy page's sign-in (prints figures; no assertion).

1. time of a failed check for a known editor (wrong password) and for an unknown user name, with
   a cost-12 hash (``python -m ifn hash-password``): the two must be alike, so that names cannot be
   enumerated from the response time;
2. the issue's attack: 10 wrong passwords in a row then the right one, from one session, through
   ``ifn.strategy.auth.sign_in``: how many tries are checked, how many are refused by the throttle,
   whether the right password gets in, and the delay that the throttle imposes at each step.

Usage: ``python bench/bench_sign_in.py [--repeat N] [--cost C]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ifn.strategy import auth  # noqa: E402


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cost", type=int, default=12)
    args = parser.parse_args()
    editors = {"alice": auth.hash_password("le-bon-mot-de-passe", rounds=args.cost)}
    auth.check_password(editors, "inconnu", "x")  # the dummy hash is made once per process
    cases = {"éditeur connu, mauvais mot de passe": ("alice", "mauvais"),
             "identifiant inconnu": ("inconnu", "mauvais"),
             "identifiant inconnu, mot de passe vide": ("inconnu", ""),
             "éditeur connu, bon mot de passe": ("alice", "le-bon-mot-de-passe")}
    print(f"bcrypt coût {args.cost}, {args.repeat} essais par cas (médiane, min–max) :")
    for label, (user, password) in cases.items():
        t = timed(lambda: auth.check_password(editors, user, password), args.repeat)
        print(f"  {label:40s} {statistics.median(t):.3f} s ({min(t):.3f}–{max(t):.3f})")

    throttle = auth.Throttle()
    start = time.perf_counter()
    outcomes = [auth.sign_in(editors, "alice", f"faux{n}", "session-1", throttle) for n in range(10)]
    right = auth.sign_in(editors, "alice", "le-bon-mot-de-passe", "session-1", throttle)
    elapsed = time.perf_counter() - start
    refused = sum(o.message.startswith("Trop d'essais") for o in outcomes)
    print(f"10 mauvais mots de passe puis le bon, en {elapsed:.2f} s : {10 - refused} vérifiés, {refused} refusés "
          f"sans vérification ; le bon : {'accepté' if right.editor else 'refusé (' + right.message + ')'}")
    print("délai imposé après n échecs consécutifs : "
          + ", ".join(f"{n} → {auth.Throttle.delay_after(n):g} s" for n in range(1, 10)))


if __name__ == "__main__":
    main()

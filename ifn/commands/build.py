"""``python -m ifn build``: build (or check) the derived cache."""

from __future__ import annotations

import argparse
import sys

from ifn import build
from ifn.config import resolve_settings


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "build",
        help="construire le cache à partir des données ouvertes",
        description="Lit le jeu de données ouvertes, réconcilie les millésimes de codes et écrit le cache.",
    )
    parser.add_argument("--force", action="store_true", help="reconstruire même si le cache est à jour")
    parser.add_argument("--quiet", action="store_true", help="sans barre de progression")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    settings = resolve_settings()
    if not args.force:
        status = build.cache_status(settings)
        if status.fresh:
            print(f"Cache à jour ({settings.cache_dir}) : rien à reconstruire (--force pour forcer).")
            return 0
        print(f"Construction du cache ({status.reason})…")
    bar = tqdm(total=100, unit="%", disable=args.quiet, file=sys.stderr, bar_format="{l_bar}{bar}| {n:.0f}/100 {postfix}")

    def progress(fraction: float, message: str) -> None:
        bar.n = round(100 * fraction)
        bar.set_postfix_str(message)
        bar.refresh()

    try:
        report = build.build_cache(settings, progress=progress)
    finally:
        bar.close()
    print(build.format_report(report))
    print(f"Cache écrit dans {settings.cache_dir}")
    return 0

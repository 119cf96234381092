"""Entry point: page registry and router (no business logic here)."""

from ui.navigation import run

run()

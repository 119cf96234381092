"""Sub-commands of ``python -m ifn``."""

"""Indice de Fragilité Numérique (IFN): computation library.

A plain library (no streamlit import). Pages and the command line call it.
"""

__version__ = "0.1.0"

"""« Méthode et sources » page: docs/methodology.md and the catalogue's sources table (layout only)."""

import streamlit as st

from ifn.errors import IFNError
from ifn.methodology import page_markdown
from ifn.text import plain
from ui.navigation import require_app

require_app()

try:
    text, generated = page_markdown()
except IFNError as exc:
    st.title("Méthode et sources")
    st.error(plain(exc))
    st.stop()
# Our own files (the repository's methodology and the catalogue): rendered as trusted Markdown.
st.markdown(text)
st.markdown(generated)

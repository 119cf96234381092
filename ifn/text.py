"""User-controlled text shown in a Markdown context, rendered as plain text.

Streamlit renders the body of ``st.markdown``, ``st.caption``, ``st.error`` / ``warning`` /
``info`` / ``success``, headers and widget labels as GitHub-flavoured Markdown (links, images,
autolinks, ``:colour[…]`` directives, ``$…$`` formulas). Any text a visitor controls (query
parameters, cells and names of uploaded files, labels of presets and user indicators, strategy
comments, names read from the bundle) goes through ``plain`` before it is placed in such a body,
so that ``![x](http://…)`` or ``[cliquez ici](https://…)`` shows as typed instead of drawing a
remote image or a live link.
"""

from __future__ import annotations

import re
import string

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping them all
# leaves no Markdown or HTML construct (link, image, autolink, emphasis, tag, entity, directive,
# formula) that could start inside the text.
_ESCAPED = {ord(c): "\\" + c for c in string.punctuation}
_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def plain(value: object) -> str:
    r"""``value`` as text that Markdown renders literally: punctuation escaped, line breaks as spaces.

    >>> plain("[clic](https://example.org)")
    '\\\\[clic\\\\]\\\\(https\\\\:\\\\/\\\\/example\\\\.org\\\\)'
    """
    text = _CONTROLS.sub("", _BREAKS.sub(" ", str(value)))
    return text.translate(_ESCAPED)


def plain_join(values, separator: str = ", ") -> str:
    """Several user-controlled values escaped then joined (``separator`` is trusted text)."""
    return separator.join(plain(v) for v in values)

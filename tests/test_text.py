"""ifn.text.plain: user text placed in Markdown renders as typed (no link, image, HTML, formula)."""

from __future__ import annotations

import pytest

from ifn.text import plain, plain_join
from tests.markdown_safety import PAYLOADS, active_content

MORE = ("https://example.org/autolien", "www.example.org", "<https://example.org>", "a@example.org",
        "[ref]: https://example.org\n[ref]", "<script>alert(1)</script>",
        "![x]\n\n[x]: http://127.0.0.1:9/p.png")


@pytest.mark.parametrize("payload", PAYLOADS + MORE)
def test_payload_renders_without_active_content(payload):
    assert active_content(payload)  # the payload is active as such …
    assert active_content(plain(payload)) == []  # … and inert once escaped
    assert active_content(f"Variante inconnue « {plain(payload)} » dans le lien.") == []


def test_exact_escaping():
    assert plain("[clic](https://x.fr)") == r"\[clic\]\(https\:\/\/x\.fr\)"
    assert plain("Café 12,5 %") == r"Café 12\,5 \%"
    assert plain("a\r\nb\nc") == "a b c"
    assert plain("x\x00y") == "xy"
    assert plain(125) == "125"
    assert plain_join(["*a*", "b_c"]) == r"\*a\*, b\_c"


def test_escaped_text_reads_back_as_typed():
    """Rendering the escaped text gives the original characters."""
    from markdown_it import MarkdownIt

    source = "![x](http://127.0.0.1:9/p.png) <img src=x> *gras* $x$ :red[t] 1. `c`"
    html = MarkdownIt("commonmark").render(plain(source))
    assert html == "<p>![x](http://127.0.0.1:9/p.png) &lt;img src=x&gt; *gras* $x$ :red[t] 1. `c`</p>\n"

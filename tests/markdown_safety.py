"""What a Streamlit page renders as Markdown, and whether it draws links, images or HTML.

``rendered_markdown(at)`` collects every Markdown body of an AppTest run (markdown, captions, alerts,
headers, widget labels and help texts, tab and expander labels); ``active_content(text)`` parses one
of them like GitHub-flavoured Markdown (autolinks and raw HTML on) and lists the links, images and
HTML tags it would draw. Plain-text contexts (``st.text``, code, placeholders, table cells) are left out.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

PAYLOADS = (
    "![x](http://127.0.0.1:9/p.png)",
    "[Session expirée : cliquez ici](https://example.org)",
    "<img src=x onerror=alert(1)>",
)
MARKERS = ("127.0.0.1", "example.org", "onerror", "Session expir")
MARKDOWN_FIELDS = ("body", "label", "help")
PLAIN_TYPES = ("text", "code", "json", "exception")

_parser = MarkdownIt("gfm-like", {"linkify": True, "html": True})


def _strings(message, found: list[str]) -> None:
    for field, value in message.ListFields():
        if field.name in MARKDOWN_FIELDS and isinstance(value, str):
            found.append(value)
        elif field.message_type is not None:
            values = [value] if hasattr(value, "ListFields") else list(value)
            for v in values:
                if hasattr(v, "ListFields"):
                    _strings(v, found)


def _walk(node):
    yield node
    for child in (getattr(node, "children", None) or {}).values():
        yield from _walk(child)


def rendered_markdown(at) -> list[str]:
    """Every Markdown-rendered string of the page (main area and sidebar)."""
    found: list[str] = []
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or getattr(node, "type", None) in PLAIN_TYPES:
            continue
        _strings(proto, found)
    return found


def active_content(text: str) -> list[str]:
    """Links, images and raw HTML that ``text`` renders as Markdown (empty when it is plain text)."""
    found = []
    for token in _parser.parse(text):
        for t in [token, *(token.children or [])]:
            if t.type == "image":
                found.append(f"image {t.attrGet('src')}")
            elif t.type == "link_open":
                found.append(f"link {t.attrGet('href')}")
            elif t.type in ("html_inline", "html_block"):
                found.append(f"html {t.content}")
    return found


def injected(at) -> list[tuple[str, list[str]]]:
    """Rendered strings that quote a payload and draw active content from it."""
    bad = []
    for text in rendered_markdown(at):
        if any(m in text.replace("\\", "") for m in MARKERS):
            content = active_content(text)
            if content:
                bad.append((text, content))
    return bad


def quoted(at) -> list[str]:
    """Rendered strings quoting a payload (to check that the payload did reach the page)."""
    return [t for t in rendered_markdown(at) if any(m in t.replace("\\", "") for m in MARKERS)]


def shown(text: str) -> str:
    """What a Markdown body escaped by ``ifn.text.plain`` reads as on screen (escapes removed)."""
    import re

    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)

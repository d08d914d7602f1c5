"""Answer text: Markdown rendered to safe HTML (nh3) and to plain text for matching and copying."""

from __future__ import annotations

import html
import re

import markdown
import nh3

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "a", "code", "pre", "blockquote",
                "h3", "h4", "table", "thead", "tbody", "tr", "th", "td"}
_BLOCK_END = re.compile(r"</(p|li|h\d|tr|pre|blockquote)>|<br\s*/?>", re.I)


def render_html(md: str) -> str:
    """Safe HTML of a Markdown answer: raw HTML in it is escaped or dropped, links are http(s)/mailto."""
    raw = markdown.markdown(md or "", extensions=["sane_lists"], output_format="html")
    return nh3.clean(raw, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                     url_schemes={"http", "https", "mailto", "tel"}, link_rel="noopener noreferrer nofollow")


def plain_text(md: str) -> str:
    """The answer as plain text, one paragraph or list item per line."""
    safe = render_html(md)
    safe = _BLOCK_END.sub(lambda m: m.group(0) + "\n", safe)
    text = html.unescape(nh3.clean(safe, tags=set()))
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_TAG = re.compile(r"<[^>]{0,300}>")
_MD_BULLET = re.compile(r"^\s*[-+*]\s+", re.M)
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6}|>+)\s*", re.M)
_MD_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3}|`{1,3}|~~)")


def fast_text(md: str) -> str:
    """Plain text of a Markdown answer without rendering it (for indexing many entries quickly):
    links keep their text, tags and emphasis marks go, numbered steps keep their numbers."""
    text = _MD_LINK.sub(r"\1", md or "")
    text = _MD_TAG.sub(" ", text)
    text = _MD_BULLET.sub("", text)
    text = _MD_HEADING.sub("", text)
    text = html.unescape(_MD_EMPHASIS.sub("", text))
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_DIGITS = re.compile(r"\d[\d\s()+-]{3,}\d|\d{4,}")
_VIN = re.compile(r"\b[A-HJ-NPR-Z0-9]{17}\b", re.I)


def scrub(text: str) -> str:
    """A question without personal data for the analytics log: e-mails, phone and document numbers."""
    text = _EMAIL.sub("[e-mail]", text or "")
    text = _VIN.sub("[VIN]", text)
    return _DIGITS.sub("[number]", text)[:1000]

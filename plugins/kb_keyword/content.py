"""Answer text: Markdown rendered to safe HTML (nh3) and to plain text for matching and copying."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import markdown
import nh3

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "a", "code", "pre", "blockquote",
                "h3", "h4", "table", "thead", "tbody", "tr", "th", "td"}
_BLOCK_TAGS = re.compile(r"^(p|li|h\d|tr|pre|blockquote|ol|ul)$")


def render_html(md: str) -> str:
    """Safe HTML of a Markdown answer: raw HTML in it is escaped or dropped, links are http(s)/mailto."""
    raw = markdown.markdown(md or "", extensions=["sane_lists"], output_format="html")
    return nh3.clean(raw, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                     url_schemes={"http", "https", "mailto", "tel"}, link_rel="noopener noreferrer nofollow")


def plain_text(md: str) -> str:
    """The answer as plain text (copying, e-mail): one paragraph or list item per line; numbered steps
    keep their numbers ("1. ") and bullet items start with "- "."""
    parser = _TextParser()
    parser.feed(render_html(md))
    parser.close()
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in "".join(parser.out).splitlines()]
    return "\n".join(line for line in lines if line)


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list] = []  # [kind, next number]

    def handle_starttag(self, tag, attrs):
        if tag in ("ol", "ul"):
            self.out.append("\n")
            self.lists.append([tag, 1])
        elif tag == "li":
            indent = "  " * max(0, len(self.lists) - 1)
            if self.lists and self.lists[-1][0] == "ol":
                self.out.append(f"\n{indent}{self.lists[-1][1]}. ")
                self.lists[-1][1] += 1
            else:
                self.out.append(f"\n{indent}- ")
        elif tag == "br":
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in ("ol", "ul") and self.lists:
            self.lists.pop()
        if _BLOCK_TAGS.match(tag):
            self.out.append("\n")

    def handle_data(self, data):
        self.out.append(data)


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

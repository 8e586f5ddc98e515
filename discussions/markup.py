"""Markdown in posts, rendered safely: markdown-it-py (CommonMark, raw HTML off) then nh3.

Two layers, so that neither alone must be perfect: markdown-it never passes HTML through
(`html` off: `<script>` is text), and nh3 (the Rust sanitiser ammonia) keeps only an allow-list
of tags and attributes, links only to http, https and mailto, each with
`rel="nofollow noopener"`. Images are not rendered at all (no requests to outside servers
from a reader's browser); headings start at level 3, below the page's own.

@mentions: `@vorname.nachname` (as the person's name reads, umlauts or not: `@jürgen.müller`
and `@juergen.mueller` are the same) is resolved against the people who may read the thread.
A name that is unknown there, or that two such people share, stays plain text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

TAGS = {
    "p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
    "h3", "h4", "h5", "h6", "span",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
# Only the class the mention renderer writes (nh3 wants classes apart from the attributes).
CLASSES = {"a": {"portal-mention"}, "span": {"portal-mention"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener"

# After "@": a first and a last name, each letters, digits and hyphens (no dot at the end).
HANDLE = re.compile(r"([^\W_][\w-]*)\.([^\W_][\w-]*)")
_BEFORE_HANDLE = re.compile(r"[\w@.+-]")  # an e-mail address, not a mention
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalise(text: str) -> str:
    """A name part as a mention key: lower case, umlauts spelled out, accents dropped,
    spaces as hyphens ("Anna Lena" -> "anna-lena", "Jürgen" -> "juergen")."""
    text = text.casefold().translate(_UMLAUTS)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^\w-]+", "-", text.strip()).strip("-")


def handle_for(first_name: str, last_name: str) -> str:
    """The mention key of a person ("" when a part of the name is missing)."""
    first, last = normalise(first_name), normalise(last_name)
    return f"{first}.{last}" if first and last else ""


@dataclass(frozen=True)
class Target:
    """Someone who can be mentioned in a thread."""

    user_id: int
    name: str
    url: str = ""  # their person page, "" when there is none to link to


@dataclass
class Rendered:
    html: str
    mentioned: list[int] = field(default_factory=list)  # user ids, in order of appearance
    unresolved: list[str] = field(default_factory=list)  # handles that mention nobody here


def _mention(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    if state.src[pos] != "@" or state.linkLevel > 0:
        return False
    if pos > 0 and _BEFORE_HANDLE.match(state.src[pos - 1]):
        return False
    match = HANDLE.match(state.src, pos + 1)
    if match is None:
        return False
    targets: Mapping[str, Target] = state.env.get("targets", {})
    target = targets.get(handle_for(match.group(1), match.group(2)))
    if target is None:
        if not silent:  # unknown, ambiguous or not a reader: plain text, and said after posting
            unresolved: list[str] = state.env.setdefault("unresolved", [])
            if match.group(0) not in unresolved:
                unresolved.append(match.group(0))
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.meta = {"target": target}
        mentioned: list[int] = state.env.setdefault("mentioned", [])
        if target.user_id not in mentioned:
            mentioned.append(target.user_id)
    state.pos = match.end()
    return True


def _render_mention(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    target: Target = tokens[idx].meta["target"]
    label = escape(f"@{target.name}")
    if target.url:
        return f'<a class="portal-mention" href="{escape(target.url)}">{label}</a>'
    return f'<span class="portal-mention">{label}</span>'


def _render_heading_open(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    # The page has its h1 and h2: a post's "# Title" becomes an h3, and so on down to h6.
    level = min(int(tokens[idx].tag[1]) + 2, 6)
    tokens[idx].tag = f"h{level}"
    return str(self.renderToken(tokens, idx, options, env))


def _render_heading_close(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    tokens[idx].tag = f"h{min(int(tokens[idx].tag[1]) + 2, 6)}"
    return str(self.renderToken(tokens, idx, options, env))


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
    md.disable("image")
    md.inline.ruler.push("mention", _mention)
    md.add_render_rule("mention", _render_mention)
    md.add_render_rule("heading_open", _render_heading_open)
    md.add_render_rule("heading_close", _render_heading_close)
    return md


_MD = _parser()


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        allowed_classes=CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render(source: str, targets: Mapping[str, Target] | None = None) -> Rendered:
    """The safe HTML of a post and whom it mentions (of `targets`: handle -> person)."""
    env: dict[str, Any] = {"targets": dict(targets or {})}
    html = _MD.render(source, env)
    return Rendered(
        html=sanitise(html),
        mentioned=list(env.get("mentioned", [])),
        unresolved=[f"@{handle}" for handle in env.get("unresolved", [])],
    )

"""HTML mail bodies as plain text: tags dropped, blocks as lines, quotes as ``> `` lines.

The scan goes from one ``<`` to the next ``>`` and never back, so any body costs time in
proportion to its length. (The standard library's HTMLParser rescans an unclosed tag to the
end of the text for every ``<``: 60 KB of ``<a `` took four minutes.) Like a browser, it
takes ``<`` that starts no tag as text, skips comments (an unclosed one runs to the end), and
reads script and style content as no text at all.
"""

from __future__ import annotations

import html
import re

__all__ = ["html_to_text"]

_BLOCKS = frozenset(
    ("p", "div", "br", "li", "tr", "table", "ul", "ol", "hr", "section", "blockquote", "pre",
     "h1", "h2", "h3", "h4", "h5", "h6")
)  # fmt: skip
_SKIP = frozenset({"script", "style", "head", "title"})
# A tag from its "<" to the first ">" after it; the attributes are not read.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)(?:[\s/][^>]*)?>")
_BLANKS = re.compile(r"\s+")


def html_to_text(markup: str) -> str:
    """Reduce HTML to plain text: drop tags, scripts and styles, unescape entities, keep lines.

    Blockquotes become ``> `` lines so normalisation recognises quoted mail as it does in
    plain-text mail.
    """
    text = _Text()
    position, next_close = 0, -1
    while (start := markup.find("<", position)) >= 0:
        text.data(markup[position:start])
        if markup.startswith("<!--", start):
            end = markup.find("-->", start + 4)
            if end < 0:
                return text.result()
            position = end + 3
            continue
        if next_close < start:
            next_close = markup.find(">", start)
        if next_close < 0:  # no ">" anywhere after: the rest is text
            position = start
            break
        tag = _TAG.fullmatch(markup, start, next_close + 1)
        if tag:
            text.tag(tag[2].lower(), opening=not tag[1])
            position = next_close + 1
        elif markup.startswith(("<!", "<?"), start):  # a doctype, a processing instruction
            position = next_close + 1
        else:
            text.data("<")
            position = start + 1
    text.data(markup[position:])
    return text.result()


class _Line:
    __slots__ = ("depth", "parts", "has_text")

    def __init__(self, depth: int) -> None:
        self.depth, self.parts, self.has_text = depth, [], False

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.has_text = self.has_text or not text.isspace()


class _Text:
    """Lines of text with their blockquote depth, built from tags and data in order."""

    def __init__(self) -> None:
        self._lines = [_Line(0)]
        self._depth = self._skip = self._pre = 0

    def tag(self, name: str, *, opening: bool) -> None:
        step = 1 if opening else -1
        if name in _SKIP:
            self._skip = max(0, self._skip + step)
        elif name == "blockquote":
            self._depth = max(0, self._depth + step)
        elif name == "pre":
            self._pre = max(0, self._pre + step)
        if name in _BLOCKS:
            self._newline()

    def data(self, raw: str) -> None:
        if self._skip or not raw:
            return
        data = html.unescape(raw)
        if not self._pre:
            self._lines[-1].add(_BLANKS.sub(" ", data))
            return
        first, *rest = data.split("\n")
        self._lines[-1].add(first)
        for line in rest:
            self._newline(force=True)
            self._lines[-1].add(line)

    def _newline(self, force: bool = False) -> None:
        if force or self._lines[-1].has_text:
            self._lines.append(_Line(self._depth))
        else:
            self._lines[-1].depth = self._depth

    def result(self) -> str:
        out: list[str] = []
        for line in self._lines:
            text = "".join(line.parts).strip()
            # Keep the "-- " signature separator intact; normalisation looks for it.
            shown = "> " * line.depth + ("-- " if text == "--" else text) if text else ""
            if shown or (out and out[-1]):  # keep single blank lines only
                out.append(shown)
        return "\n".join(out).strip("\n")

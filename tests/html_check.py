"""A strict reading of a page's HTML: what a browser would silently get wrong.

Browsers accept any attribute name, so a template that glues two attributes together
(``requiredautocomplete="email"``) renders without a sound and the field loses both. This
checker names such faults: an attribute that is not HTML (nor ``aria-*``, ``data-*``, ``hx-*``,
``on*`` or, inside ``<svg>``, an SVG presentation attribute), the same attribute twice on one
element, an id used twice, and a ``<label for>`` naming no element.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Global attributes and every element-specific attribute of the HTML Living Standard.
HTML_ATTRIBUTES = frozenset(
    """
    accesskey autocapitalize autofocus class contenteditable dir draggable enterkeyhint hidden id
    inert inputmode is itemid itemprop itemref itemscope itemtype lang nonce popover slot
    spellcheck style tabindex title translate writingsuggestions role
    abbr accept accept-charset action allow alt as async autocomplete autoplay blocking charset
    checked cite cols colspan content controls coords crossorigin data datetime decoding default
    defer dirname disabled download enctype fetchpriority for form formaction formenctype
    formmethod formnovalidate formtarget headers height high href hreflang http-equiv
    imagesizes imagesrcset integrity ismap kind label list loading loop low max maxlength media
    method min minlength multiple muted name nomodule novalidate open optimum pattern ping
    placeholder playsinline popovertarget popovertargetaction poster preload readonly
    referrerpolicy rel required reversed rows rowspan sandbox scope selected shadowrootmode
    shape size sizes span src srcdoc srclang srcset start step target type usemap value width
    wrap
    """.split()
)
# The SVG attributes an inline chart may use.
SVG_ATTRIBUTES = frozenset(
    """
    viewbox preserveaspectratio xmlns xmlns:xlink xlink:href version focusable x y x1 x2 y1 y2
    cx cy r rx ry d points transform fill fill-opacity stroke stroke-width stroke-dasharray
    stroke-linecap stroke-linejoin opacity font-size font-weight font-family text-anchor
    dominant-baseline dx dy patternunits patterntransform patterncontentunits offset stop-color
    stop-opacity gradientunits clip-path mask marker-end
    """.split()
)
PREFIXED = re.compile(r"^(aria-[a-z]+|data-[a-z0-9_.:-]+|hx-[a-z-]+|on[a-z]+)$")


class MarkupProblems(HTMLParser):
    """Feed a page; ``problems()`` then lists what is wrong with it, one line each."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.ids: dict[str, int] = {}
        self.label_targets: list[str] = []
        self.svg_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self.svg_depth += 1
        where = f"line {self.getpos()[0]} <{tag}>"
        names = [name for name, _ in attrs]
        for name in names:
            if not self._known(name):
                self.found.append(f"{where}: unknown attribute {name!r}")
        for name in sorted({name for name in names if names.count(name) > 1}):
            self.found.append(f"{where}: attribute {name!r} given twice")
        values = dict(attrs)
        if ident := values.get("id"):
            self.ids[ident] = self.ids.get(ident, 0) + 1
        if tag == "label" and (target := values.get("for")):
            self.label_targets.append(target)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "svg":
            self.svg_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self.svg_depth = max(0, self.svg_depth - 1)

    def _known(self, name: str) -> bool:
        if name in HTML_ATTRIBUTES or PREFIXED.match(name):
            return True
        return self.svg_depth > 0 and name in SVG_ATTRIBUTES

    def problems(self) -> list[str]:
        self.close()
        twice = [f"id {ident!r} used {n} times" for ident, n in self.ids.items() if n > 1]
        unlabelled = [
            f'<label for="{target}"> names no element'
            for target in self.label_targets
            if target not in self.ids
        ]
        return self.found + twice + unlabelled


def markup_problems(html: str) -> list[str]:
    checker = MarkupProblems()
    checker.feed(html)
    return checker.problems()

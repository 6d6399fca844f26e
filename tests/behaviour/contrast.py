"""WCAG contrast of what the app draws, as a terminal in truecolor, 256 or 16 colours would show it."""

from __future__ import annotations

from dataclasses import dataclass

from rich.color import Color, ColorSystem, ColorType
from rich.segment import Segment
from rich.terminal_theme import TerminalTheme

SYSTEMS = {"truecolor": ColorSystem.TRUECOLOR, "256": ColorSystem.EIGHT_BIT, "16": ColorSystem.STANDARD}
RGB = tuple[int, int, int]
# What a terminal shows for the sixteen ANSI colours: xterm's defaults (most terminals are
# close; Rich's own table is VGA's, which is kinder to dark colours on black).
XTERM = TerminalTheme(
    (0, 0, 0), (229, 229, 229),
    [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
     (229, 229, 229)],
    [(127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255),
     (255, 255, 255)],
)


def luminance(rgb: RGB) -> float:
    """WCAG 2 relative luminance."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def shown(color: Color | None, system: str, default: RGB) -> RGB:
    """The RGB a terminal of `system` shows for a colour Textual sent as truecolor."""
    if color is None or color.type is ColorType.DEFAULT:
        return default
    down = color.downgrade(SYSTEMS[system])
    triplet = down.get_truecolor(XTERM)
    return (triplet.red, triplet.green, triplet.blue)


@dataclass(frozen=True)
class Cell:
    """One character as shown: its colours and contrast."""

    char: str
    fg: RGB
    bg: RGB

    @property
    def ratio(self) -> float:
        return contrast(self.fg, self.bg)


def cells(segments: list[Segment], system: str) -> list[Cell]:
    """Each character of a line with the colours a terminal of `system` shows it in."""
    out = []
    for seg in segments:
        if seg.control:
            continue
        style = seg.style
        fg = shown(style.color if style else None, system, (229, 229, 229))
        bg = shown(style.bgcolor if style else None, system, (0, 0, 0))
        if style is not None and style.reverse:
            fg, bg = bg, fg
        out.extend(Cell(ch, fg, bg) for ch in seg.text)
    return out


def screen_lines(app, system: str) -> list[list[Cell]]:
    """The whole screen, line by line."""
    return [cells(list(strip), system) for strip in app.screen._compositor.render_strips()]


def text_of(line: list[Cell]) -> str:
    return "".join(c.char for c in line)


def worst(line: list[Cell], start: int = 0, end: int | None = None) -> float:
    """The lowest contrast among the visible characters of line[start:end]."""
    ratios = [c.ratio for c in line[start:end] if not c.char.isspace()]
    return min(ratios, default=21.0)

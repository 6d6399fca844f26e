"""The colour schemes: one per light/dark theme and colour depth, and one for NO_COLOR (no Textual here).

Every status word and every row while it flashes must read at a contrast of at least 4.5:1
(WCAG AA) wherever hcwatch runs: truecolor, 256 colours, 16 colours, NO_COLOR, a light or a
dark theme. One palette cannot do that: a red that reads on black is too light on white, and
a colour a 16-colour terminal shows is one of sixteen whose real values the terminal picks.
So each case has its own scheme, and tests/behaviour/test_contrast.py measures every one.

Truecolor and 256-colour schemes use only colours of the 256-colour palette, so a terminal
without truecolor shows the very same values. The 16-colour schemes use the exact values
Rich matches to the sixteen ANSI colours, so the index the terminal gets is the one chosen
here, and only indices that read on black (dark) or on white (light) in common terminal
palettes. The NO_COLOR scheme sets no colour at all: weight and reverse video only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Span, Text

from tui.model import Phase

# Roles, for texts built before the scheme is known (a row's message is built once per poll,
# drawn in whichever scheme is on): Scheme.paint() turns them into the scheme's styles.
MUTED = "role:muted"
WARN = "role:warn"


@dataclass(frozen=True)
class Scheme:
    """The Rich styles hcwatch draws with (the glyph and word carry the meaning; these only help)."""

    name: str
    phases: dict[Phase, str]
    muted: str          # secondary text: times never changed, "swept", "sort:", labels
    marker: str         # ◆ / ◇ change markers
    warn: str           # ⚠ and the error kind in the message column
    alert: str          # ⚠ OFFLINE, ⚠ AUTH in the header
    bar: str            # the progress bar
    names: str          # field names in the detail pane
    css: dict[str, str] = field(default_factory=dict)  # extra CSS variables (the table's cursor)

    def phase(self, phase: Phase) -> str:
        return self.phases[phase]

    def style(self, role: str) -> str:
        """The style of a role (MUTED, WARN), or `role` itself when it is a plain style."""
        if isinstance(role, str) and role.startswith("role:"):
            return str(getattr(self, role[5:]))
        return role

    def paint(self, text: Text) -> Text:
        """A copy of `text` with its roles turned into this scheme's styles."""
        spans = [Span(s.start, s.end, self.style(s.style)) if isinstance(s.style, str) else s for s in text.spans]
        out = text.copy()
        out.style = self.style(text.style) if isinstance(text.style, str) else text.style
        out.spans = spans
        return out


DARK = Scheme(
    "dark",
    {
        Phase.RUNNING: "bold #5fafff",
        Phase.SUCCEEDED: "#5fd75f",
        Phase.FAILED: "bold #ff5f5f",
        Phase.STOPPED: "#ffaf00",
        Phase.PENDING: "#bcbcbc",
        Phase.IDLE: "#a8a8a8",
        Phase.UNKNOWN: "#ff87ff",
    },
    muted="#a8a8a8", marker="bold #ffd700", warn="bold #ffd700", alert="bold #ffffff on #af0000",
    bar="#5fafd7", names="#5fafd7",
    css={"hc-cursor-background": "#005f87", "hc-cursor-foreground": "#ffffff", "hc-header-background": "$panel"},
)

LIGHT = Scheme(
    "light",
    {
        Phase.RUNNING: "bold #0000af",
        Phase.SUCCEEDED: "#005f00",
        Phase.FAILED: "bold #870000",
        Phase.STOPPED: "#870087",     # no orange is dark enough for 4.5:1 on a light grey
        Phase.PENDING: "#303030",
        Phase.IDLE: "#4e4e4e",
        Phase.UNKNOWN: "#5f00af",
    },
    muted="#4e4e4e", marker="bold #262626", warn="bold #870000", alert="bold #ffffff on #af0000",
    bar="#00005f", names="#005f5f",
    css={"hc-cursor-background": "#004578", "hc-cursor-foreground": "#ffffff", "hc-header-background": "$panel"},
)

# 16 colours: the values are Rich's sixteen, so the terminal is sent these indices.
DARK_16 = Scheme(
    "dark-16",
    {
        Phase.RUNNING: "bold #55ffff",    # bright cyan: bright blue is too dark on black in xterm
        Phase.SUCCEEDED: "#55ff55",       # bright green
        Phase.FAILED: "bold #ff5555",     # bright red
        Phase.STOPPED: "#ffff55",         # bright yellow: not the red of failed
        Phase.PENDING: "#ffffff",         # bright white
        Phase.IDLE: "#aaaaaa",            # white
        Phase.UNKNOWN: "#ff55ff",         # bright magenta
    },
    muted="#aaaaaa", marker="bold #ffff55", warn="bold #ffff55", alert="bold #ffffff on #0000aa",
    bar="#aaaaaa", names="#55ffff",
    # The theme's panel grey would become bright black, on which white reads at 4:1.
    css={"hc-cursor-background": "#0000aa", "hc-cursor-foreground": "#ffffff", "hc-header-background": "#000000"},
)

LIGHT_16 = Scheme(
    "light-16",
    {
        # On white only red, blue and black read in common palettes (green, yellow, cyan,
        # magenta are too light), so the words and weights tell the rest apart.
        Phase.RUNNING: "bold #0000aa",    # blue
        Phase.SUCCEEDED: "#000000",
        Phase.FAILED: "bold #aa0000",     # red
        Phase.STOPPED: "bold #000000",
        Phase.PENDING: "#000000",
        Phase.IDLE: "#000000",
        Phase.UNKNOWN: "bold #0000aa",
    },
    muted="#000000", marker="bold #000000", warn="bold #aa0000", alert="bold #ffffff on #0000aa",
    bar="#0000aa", names="#0000aa",
    css={"hc-cursor-background": "#0000aa", "hc-cursor-foreground": "#ffffff", "hc-header-background": "#ffffff"},
)

# NO_COLOR: no colour anywhere, so the terminal's own (readable) colours show; weight and
# reverse video single out what a glance needs.
MONO = Scheme(
    "mono",
    {
        Phase.RUNNING: "bold",
        Phase.SUCCEEDED: "",
        Phase.FAILED: "bold reverse",
        Phase.STOPPED: "bold",
        Phase.PENDING: "",
        Phase.IDLE: "",
        Phase.UNKNOWN: "bold",
    },
    muted="", marker="bold", warn="bold", alert="bold reverse", bar="", names="bold",
    css={"hc-cursor-background": "$foreground", "hc-cursor-foreground": "$background",
         "hc-header-background": "$background"},
)

SCHEMES = {s.name: s for s in (DARK, LIGHT, DARK_16, LIGHT_16, MONO)}


def pick(*, dark: bool, no_color: bool = False, color_system: str | None = "truecolor") -> Scheme:
    """The scheme for a theme (dark or light), NO_COLOR and the terminal's colour depth."""
    if no_color or color_system is None:
        return MONO
    if color_system in ("standard", "windows"):
        return DARK_16 if dark else LIGHT_16
    return DARK if dark else LIGHT

"""The colour scheme of a running app (theme, NO_COLOR, colour depth) and the CSS variables it adds."""

from __future__ import annotations

from textual.app import App

from tui.app.colours import Scheme, pick


def scheme_for(app: App) -> Scheme:
    """The scheme for the app's theme, NO_COLOR and the terminal's colour depth."""
    theme = getattr(app, "current_theme", None)
    return pick(dark=bool(getattr(theme, "dark", True)), no_color=bool(getattr(app, "no_color", False)),
                color_system=getattr(getattr(app, "console", None), "color_system", "truecolor"))


def with_scheme_variables(app: App, variables: dict[str, str]) -> dict[str, str]:
    """The theme's CSS variables plus the scheme's ($name values refer to the theme's own)."""
    extra = {}
    for name, value in scheme_for(app).css.items():
        extra[name] = variables.get(value[1:], value) if value.startswith("$") else value
    return {**variables, **extra}

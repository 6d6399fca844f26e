"""What `y` can honestly say: the id goes to the terminal as OSC 52, and inside tmux only if tmux lets it.

hcwatch cannot know whether the terminal took the copy; it can know that tmux drops OSC 52
from programs unless `set-clipboard` is `on` (tmux's default, `external`, ignores them). So
inside tmux the option is read once, and the message says either that the id was sent or
how to let it through.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping

TMUX_FIX = "tmux set -g set-clipboard on"


def tmux_set_clipboard(env: Mapping[str, str] | None = None) -> str | None:
    """tmux's `set-clipboard` ("on", "external", "off"); None outside tmux or when tmux does not say."""
    env = os.environ if env is None else env
    if not env.get("TMUX"):
        return None
    for scope in ("-sv", "-gv"):  # a server option since tmux 3; a global one before
        try:
            done = subprocess.run(["tmux", "show-options", scope, "set-clipboard"], capture_output=True, text=True,
                                  timeout=2, env=dict(env))
        except (OSError, subprocess.SubprocessError):
            return None
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip()
    return None


class Clipboard:
    """Says what became of a copy; asks tmux once per run."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = env
        self._checked = False
        self._tmux: str | None = None

    def message(self, what: str) -> tuple[str, bool]:
        """(text, is_warning) to show after sending `what` to the clipboard."""
        if not self._checked:
            self._checked = True
            self._tmux = tmux_set_clipboard(self._env)
        if self._tmux is not None and self._tmux != "on":
            return (f"tmux keeps {what} from the clipboard (its set-clipboard is {self._tmux}): "
                    f"add `set -g set-clipboard on` to ~/.tmux.conf, or run `{TMUX_FIX}`", True)
        return f"sent {what} to the terminal's clipboard", False


CLIPBOARD = Clipboard()


def copy_message(what: str) -> tuple[str, bool]:
    """The message for a copy of `what` in this process (tmux asked at the first copy)."""
    return CLIPBOARD.message(what)

"""The actions table: ids users' [keymap] names, the bindings and palette made from it, the README's key table."""

from __future__ import annotations

from pathlib import Path

from tui.app.actions import ACTIONS, BY_ID, DETAIL_ACTIONS, TABLE_ACTIONS, bindings, palette

README = Path(__file__).resolve().parents[3] / "README.md"

# Users' config.toml names these in [keymap]: they never change.
BINDING_IDS = ("add", "remove", "rename", "refresh", "refresh_all", "pause", "mute", "filter", "sort", "details",
               "toggle_detail", "copy_id", "copy_url", "log", "back", "help", "quit")


def readme_keys() -> dict[str, tuple[str, str]]:
    """binding id → (keys, does) from the README's key table."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| key | does | binding id |"):]
    rows: dict[str, tuple[str, str]] = {}
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        keys, does, ident = (cell.strip() for cell in line.strip("|").split(" | "))
        if ident:
            rows[ident.strip("`")] = (keys, does)
    return rows


def test_binding_ids_and_keys_are_the_ones_users_remap():
    made = bindings()
    assert [b.id for b in made] == list(BINDING_IDS)
    keys = {b.id: b.key for b in made}
    assert keys == {"add": "a", "remove": "d", "rename": "e", "refresh": "r", "refresh_all": "R", "pause": "p", "mute": "m",
                    "filter": "slash", "sort": "s", "details": "enter", "toggle_detail": "i", "copy_id": "y",
                    "copy_url": "o", "log": "L", "back": "escape", "help": "question_mark", "quit": "q"}
    assert all(b.action == b.id for b in made)  # the action names are the ids: `back` runs action_back


def test_footer_shows_the_everyday_keys_with_their_short_words():
    shown = [(b.key_display or b.key, b.description) for b in bindings() if b.show]
    assert shown == [("a", "Add"), ("d", "Remove"), ("r", "Refresh"), ("p", "Pause"), ("/", "Filter"),
                     ("s", "Sort"), ("?", "Help"), ("q", "Quit")]


def test_every_binding_has_its_help_text_as_tooltip():
    for binding in bindings((*ACTIONS, *TABLE_ACTIONS, *DETAIL_ACTIONS)):
        assert binding.tooltip == BY_ID[binding.id or ""].help


def test_palette_offers_palette_only_actions_and_no_back():
    ids = [a.id for a in palette()]
    assert "mark_all_seen" in ids and "retry_auth" in ids and "clear_filter" in ids
    assert "back" not in ids
    assert all(a.title for a in palette())
    assert not [a for a in ACTIONS if not a.keys and not a.in_palette], "an action nobody can run"


def test_table_keys_are_vim_keys_for_the_cursor():
    assert [(b.key, b.action, b.id) for b in bindings(TABLE_ACTIONS)] == [
        ("j", "cursor_down", "table.down"), ("k", "cursor_up", "table.up"),
        ("g,home", "scroll_top", "table.top"), ("G,end", "scroll_bottom", "table.bottom"),
        ("J,shift+down", "detail_page(1)", "detail.down"), ("K,shift+up", "detail_page(-1)", "detail.up")]


def test_the_focused_detail_pane_scrolls_with_j_k_and_J_K():
    assert [(b.key, b.action, b.id) for b in bindings(DETAIL_ACTIONS)] == [
        ("J,shift+down", "detail_page(1)", "detail.down"), ("K,shift+up", "detail_page(-1)", "detail.up"),
        ("j", "scroll_down", "detail.line_down"), ("k", "scroll_up", "detail.line_up")]


def test_no_key_that_tmux_or_vim_users_own():
    for action in (*ACTIONS, *TABLE_ACTIONS, *DETAIL_ACTIONS):
        for key in action.keys.split(","):
            assert key not in {"ctrl+a", "ctrl+b", "ctrl+h", "ctrl+j", "ctrl+k", "ctrl+l"}, action.id


def test_the_readme_key_table_says_what_the_help_says():
    rows = readme_keys()
    for action in (*ACTIONS, *TABLE_ACTIONS, *DETAIL_ACTIONS):
        if not action.keys:
            continue
        assert action.id in rows, f"README has no row for {action.id}"
        keys, does = rows[action.id]
        # The README may add a remark after the help's own words (`; …`).
        assert does == action.help or does.startswith(action.help + "; "), action.id
        shown = [action.key_display] if action.key_display else action.keys.split(",")
        assert all(f"`{key}`" in keys for key in shown), (action.id, keys)
    assert set(rows) <= set(BY_ID)

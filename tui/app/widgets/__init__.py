"""Widgets of the main screen: the top bar, the task table and the detail pane."""

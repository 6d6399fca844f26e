"""What a change triggers beyond the screen: desktop escapes through SSH and tmux, the bell, hooks, quiet hours.

Free of Textual: the TUI (through its driver) and `hcwatch watch` (through the terminal)
drive the same Dispatcher. sequences and sanitise make the bytes, detect finds the outer
terminal and tmux, policy decides what notifies, hooks runs commands, dispatcher joins them.
"""

"""What hcwatch keeps on disk: atomic writes, the watch list (watchlist.toml) and the state file (state.jsonl)."""

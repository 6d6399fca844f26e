"""Modal screens: add, confirm, rename, password, help."""

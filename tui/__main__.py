"""`python -m tui` runs the hcwatch command line."""

from tui.cli import main

raise SystemExit(main())

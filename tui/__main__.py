"""`python -m tui` runs the hcwatch command line."""

from tui.cli.main import main

raise SystemExit(main())

"""The exit statuses of every hcwatch command, in one place (the README lists them)."""

EXIT_OK = 0        # done; for `watch --exit-status`: every task succeeded
EXIT_FAILED = 1    # a fetch failed (`list`) or a task failed (`watch --exit-status`)
EXIT_USAGE = 2     # a problem the user can fix: bad argument, bad file (one line on stderr)
EXIT_STOPPED = 3   # `watch --exit-status`: a task was stopped
EXIT_TIMEOUT = 4   # `watch`: --timeout passed before the tasks finished
EXIT_AUTH = 5      # authentication failed (`list`: every failure was; `watch --exit-status`)
EXIT_INTERRUPTED = 130  # ctrl+c, as a shell reports SIGINT

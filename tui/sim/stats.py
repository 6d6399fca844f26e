"""Request statistics the tests read: counts, concurrency, and a bounded log without secrets."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

# Header values never kept in the log.
SECRET_HEADERS = {"x-auth-token", "authorization", "x-security-token", "cookie", "x-subject-token"}


@dataclass
class Stats:
    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    by_path: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    recent: deque = field(default_factory=lambda: deque(maxlen=500))

    def begin(self, method: str, path: str, query: str, headers: dict[str, str], at: float) -> dict[str, Any]:
        self.requests += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        self.by_path[path] += 1
        entry = {
            "method": method,
            "path": path,
            "query": query,
            "headers": {k: ("***" if k in SECRET_HEADERS else v) for k, v in headers.items()},
            "status": None,  # filled in when the answer goes out; stays None for a dropped connection
            "at": at,
        }
        self.recent.append(entry)
        return entry

    def end(self, entry: dict[str, Any], status: int | None) -> None:
        self.in_flight -= 1
        entry["status"] = status
        if status is not None:
            self.by_status[status] += 1

    def count(self, path_contains: str) -> int:
        """Requests whose path contains the text (e.g. a task id)."""
        return sum(n for p, n in self.by_path.items() if path_contains in p)

    def reset(self) -> None:
        """Forget counts and the log (in_flight is live state and is kept)."""
        self.requests = 0
        self.max_in_flight = self.in_flight
        self.by_path.clear()
        self.by_status.clear()
        self.recent.clear()

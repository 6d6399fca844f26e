"""Polling: the Poller façade over one scheduler per host, the per-profile auth gate, cadence, backoff, rate limit."""

"""The cloud side: one request per service API, credentials and signing, and answers mapped to snapshots or errors."""

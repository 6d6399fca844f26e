"""SDK-HMAC-SHA256 request signing, byte for byte as the official Huawei Cloud SDK does it."""

from __future__ import annotations

import hashlib
import hmac
import urllib.parse
from collections.abc import Iterable, Mapping

ALGORITHM = "SDK-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_UNRESERVED = "-_.~"  # quote() keeps A-Za-z0-9 always; these are the rest of RFC 3986's unreserved set


def _quote(text: str) -> str:
    return urllib.parse.quote(text, safe=_UNRESERVED)


def canonical_uri(path: str) -> str:
    """Each path segment percent-encoded (after decoding what the URL already encoded); always ends in '/'."""
    segments = [_quote(urllib.parse.unquote(s)) for s in path.split("/")]
    uri = "/".join(segments)
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Pairs sorted by key then value, each side percent-encoded, joined by '&'."""
    encoded = sorted((_quote(k), _quote(v)) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def signed_header_names(headers: Mapping[str, str]) -> list[str]:
    """Every header whose name has no '_', lower-cased and sorted."""
    return sorted({k.lower() for k in headers if "_" not in k})


def canonical_request(
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes = b"",
) -> tuple[str, list[str]]:
    """The canonical request text and the list of signed header names."""
    lowered = {k.lower(): v for k, v in headers.items()}
    names = signed_header_names(headers)
    canon_headers = "".join(f"{n}:{lowered[n].strip()}\n" for n in names)
    payload = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
    text = "\n".join(
        [method.upper(), canonical_uri(path), canonical_query(query), canon_headers, ";".join(names), payload]
    )
    return text, names


def string_to_sign(canonical: str, sdk_date: str) -> str:
    return f"{ALGORITHM}\n{sdk_date}\n{hashlib.sha256(canonical.encode()).hexdigest()}"


def signature(sk: str, to_sign: str) -> str:
    return hmac.new(sk.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def authorization(
    ak: str,
    sk: str,
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes = b"",
) -> str:
    """The Authorization header value for a request whose headers already hold Host and X-Sdk-Date."""
    sdk_date = next(v for k, v in headers.items() if k.lower() == "x-sdk-date")
    canonical, names = canonical_request(method, path, query, headers, body)
    sig = signature(sk, string_to_sign(canonical, sdk_date))
    return f"{ALGORITHM} Access={ak}, SignedHeaders={';'.join(names)}, Signature={sig}"


def parse_authorization(value: str) -> tuple[str, list[str], str] | None:
    """Split an Authorization header into (access key, signed header names, signature); None if malformed."""
    if not value.startswith(ALGORITHM + " "):
        return None
    parts: dict[str, str] = {}
    for item in value[len(ALGORITHM) + 1 :].split(","):
        key, sep, val = item.strip().partition("=")
        if not sep:
            return None
        parts[key] = val
    try:
        return parts["Access"], parts["SignedHeaders"].split(";"), parts["Signature"]
    except KeyError:
        return None

"""Region → endpoint tables for check, build, dws and iam, with validated per-profile overrides."""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from collections.abc import Mapping

from tui.errors import EndpointError
from tui.text import quoted

KINDS = ("check", "build", "dws", "iam")

# Regions whose hosts follow the official SDK's patterns (codearts-check / cloudbuild-ext / dws / iam
# .{region}.myhuaweicloud.com; .eu for eu-west-101). Which services answer in each
# international region is unconfirmed, which is why every endpoint can be overridden.
REGIONS = frozenset(
    {
        "cn-north-1", "cn-north-2", "cn-north-4", "cn-north-9",
        "cn-east-2", "cn-east-3", "cn-east-4",
        "cn-south-1", "cn-south-2", "cn-southwest-2",
        "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
        "af-south-1", "af-north-1", "me-east-1", "tr-west-1", "ru-moscow-1", "ru-northwest-2",
        "la-north-2", "la-south-2", "sa-brazil-1", "na-mexico-1", "my-kualalumpur-1",
        "eu-west-0", "eu-west-101",
    }
)

_PATTERNS = {
    "check": "https://codearts-check.{region}.myhuaweicloud.com",
    "build": "https://cloudbuild-ext.{region}.myhuaweicloud.com",
    "dws": "https://dws.{region}.myhuaweicloud.com",
    "iam": "https://iam.{region}.myhuaweicloud.com",
}

# Hosts that do not follow the pattern: the CN Check docs route some regions through another
# region's host, and the EU sovereign region lives under .eu with its own names.
_SPECIAL = {
    ("check", "cn-north-1"): "https://codearts-check.cn-north-4.myhuaweicloud.com",
    ("check", "cn-east-2"): "https://codearts-check.cn-south-1.myhuaweicloud.com",
    ("check", "cn-east-3"): "https://codearts-check.cn-south-1.myhuaweicloud.com",
    ("check", "cn-southwest-2"): "https://codearts-check.cn-south-1.myhuaweicloud.com",
    ("check", "eu-west-101"): "https://check.eu-west-101.myhuaweicloud.eu",
    ("build", "eu-west-101"): "https://build-backend.eu-west-101.myhuaweicloud.eu",
    ("dws", "eu-west-101"): "https://dws.eu-west-101.myhuaweicloud.eu",
    ("iam", "eu-west-101"): "https://iam.eu-west-101.myhuaweicloud.eu",
}

_REGION_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _setting(kind: str, profile: str | None) -> str:
    return f'[profiles.{profile or "NAME"}.endpoints] {kind} = "https://..."'


def _shown(text: str) -> str:
    """A refused value as it may be shown: quoted, escaped, bounded, any user:password@ part masked as `…`."""
    return quoted(re.sub(r"//[^/@]*@", "//…@", text), 100)


def validate_region(region: str) -> str:
    """The region in lower case if it is letters, digits and single '-'; EndpointError otherwise."""
    if not isinstance(region, str) or not region.strip():
        raise EndpointError("region is empty (e.g. region = \"cn-north-4\")")
    value = region.strip().lower()
    if len(value) > 40 or not _REGION_RE.fullmatch(value):
        raise EndpointError(f"region {_shown(region)} is not valid (letters, digits and '-', e.g. cn-north-4)")
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_url(url: str, kind: str = "endpoint", profile: str | None = None) -> str:
    """An override URL normalised to scheme://host[:port]; https only, plain http only on loopback."""
    where = f"endpoint {kind}" + (f" of profile {profile}" if profile else "")
    if not isinstance(url, str) or not url.strip():
        raise EndpointError(f"{where} is empty; set it like {_setting(kind, profile)}")
    text = url.strip(" ")
    if any(ord(ch) < 33 or ord(ch) == 127 for ch in text):
        raise EndpointError(f"{where} {_shown(text)} contains spaces or control characters")
    try:
        parts = urllib.parse.urlsplit(text)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        raise EndpointError(f"{where} {_shown(text)} is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not host:
        raise EndpointError(f"{where} {_shown(text)} must look like https://host[:port]")
    if parts.username is not None or parts.password is not None:
        raise EndpointError(f"{where} {_shown(text)} must not contain a user name or password")
    if parts.path not in ("", "/") or parts.query or parts.fragment or text.endswith(("?", "#")):
        raise EndpointError(f"{where} {_shown(text)} must be just https://host[:port], without a path or query")
    if scheme == "http" and not _is_loopback(host):
        raise EndpointError(f"{where} {_shown(text)} uses plain http; only https is allowed (http only on loopback)")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return f"{scheme}://{netloc}"


def resolve(kind: str, region: str, overrides: Mapping[str, str], *, profile: str | None = None) -> str:
    """The base URL (no trailing slash) for kind in region, an override winning; EndpointError if none."""
    if kind not in KINDS:
        raise EndpointError(f"unknown endpoint kind {_shown(str(kind))} (use check, build, dws or iam)")
    name = validate_region(region)
    override = (overrides or {}).get(kind)
    if override is not None:
        return validate_url(override, kind, profile)
    if (kind, name) in _SPECIAL:
        return _SPECIAL[(kind, name)]
    if name not in REGIONS:
        raise EndpointError(
            f"no known {kind} endpoint for region {name!r}; set it in config.toml: {_setting(kind, profile)}"
        )
    return _PATTERNS[kind].format(region=name)

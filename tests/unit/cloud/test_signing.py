"""SDK-HMAC-SHA256 signing: the four vectors from the official SDK, byte for byte, and the canonical pieces."""

from __future__ import annotations

import urllib.parse

import pytest

from tui.cloud import signing

AK = "AKEXAMPLE0000000000"
SK = "SKEXAMPLE0000000000000000000000000000000"
PROJECT = "05f2cff45100d5112f4bc00b794ea08e"

VECTORS = [
    (
        "https://codearts-check.cn-north-4.myhuaweicloud.com/v2/tasks/2b31ed520xxxxxxebedb6e57xxxxxxxx/progress",
        "6c5b94ecd925001a570d8b4dd4f2d5052112e02f203142c6c1166bedaab96aac",
    ),
    (
        "https://cloudbuild-ext.cn-north-4.myhuaweicloud.com/v3/jobs/901878212b1a49be9c1a1054c272762a/status",
        "afe1c285a9b8f98522eeb2203125760ee445e4fcf406dbe10ec8ce1ce36a38de",
    ),
    (
        "https://dws.cn-north-4.myhuaweicloud.com/v1.0/05f2cff45100d5112f4bc00b794ea08e/job/2c9080e8845b207101845b245e1e0001",
        "84644fbd09b0f1d31c1ec28cedeebe1514eaf691c89ecfa89e59c97be40839b3",
    ),
    (
        "https://cloudbuild-ext.cn-north-4.myhuaweicloud.com/v3/jobs/901878212b1a49be9c1a1054c272762a/history"
        "?interval=30&limit=10&offset=0",
        "a34283cc0d631b675bbfb82baf031d98440e535826d4661f67153072cdf6fb1f",
    ),
]


def _headers(host: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Host": host,
        "X-Project-Id": PROJECT,
        "X-Sdk-Date": "20250101T000000Z",
    }


@pytest.mark.parametrize("url,expected", VECTORS, ids=["check", "build", "dws", "build-query"])
def test_sdk_vectors(url: str, expected: str) -> None:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query)
    value = signing.authorization(AK, SK, "GET", parts.path, query, _headers(parts.netloc))
    assert value == (
        f"SDK-HMAC-SHA256 Access={AK}, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature={expected}"
    )
    assert signing.parse_authorization(value) == (AK, ["content-type", "host", "x-project-id", "x-sdk-date"], expected)


def test_query_order_does_not_matter() -> None:
    headers = _headers("cloudbuild-ext.cn-north-4.myhuaweicloud.com")
    path = "/v3/jobs/901878212b1a49be9c1a1054c272762a/history"
    shuffled = [("offset", "0"), ("limit", "10"), ("interval", "30")]
    assert signing.authorization(AK, SK, "GET", path, shuffled, headers).endswith(VECTORS[3][1])


def test_canonical_request_shape() -> None:
    text, names = signing.canonical_request(
        "get", "/v1/a b/c", [("b", "2"), ("a", "x y"), ("a", "1")], {"Host": "h", "X_Skip": "1", "X-Sdk-Date": "d"}, b"{}"
    )
    lines = text.split("\n")
    assert lines[0] == "GET"
    assert lines[1] == "/v1/a%20b/c/"  # segments encoded, trailing slash always
    assert lines[2] == "a=1&a=x%20y&b=2"
    assert lines[3:5] == ["host:h", "x-sdk-date:d"]
    assert lines[5] == ""  # the blank line before SignedHeaders
    assert names == ["host", "x-sdk-date"]  # a header with '_' is never signed
    assert lines[7] == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"  # sha256("{}")


def test_empty_body_hash_and_wrong_key() -> None:
    text, _ = signing.canonical_request("GET", "/", [], {"Host": "h"})
    assert text.endswith(signing.EMPTY_SHA256)
    good = signing.authorization(AK, SK, "GET", "/x", [], _headers("h"))
    assert signing.authorization(AK, SK[:-1] + "1", "GET", "/x", [], _headers("h")) != good


@pytest.mark.parametrize("value", ["", "Bearer x", "SDK-HMAC-SHA256 Access=a", "SDK-HMAC-SHA256 junk"])
def test_parse_authorization_rejects_malformed(value: str) -> None:
    assert signing.parse_authorization(value) is None

"""Region → endpoint resolution, overrides, and the refusals a user would see."""

from __future__ import annotations

import pytest

from tui.config.endpoints import KINDS, resolve, validate_url
from tui.errors import EndpointError, UserError


@pytest.mark.parametrize(
    "kind, region, url",
    [
        ("check", "cn-north-4", "https://codearts-check.cn-north-4.myhuaweicloud.com"),
        ("check", "cn-north-1", "https://codearts-check.cn-north-4.myhuaweicloud.com"),
        ("check", "cn-east-2", "https://codearts-check.cn-south-1.myhuaweicloud.com"),
        ("check", "cn-east-3", "https://codearts-check.cn-south-1.myhuaweicloud.com"),
        ("check", "cn-southwest-2", "https://codearts-check.cn-south-1.myhuaweicloud.com"),
        ("check", "cn-south-1", "https://codearts-check.cn-south-1.myhuaweicloud.com"),
        ("check", "ap-southeast-3", "https://codearts-check.ap-southeast-3.myhuaweicloud.com"),
        ("check", "eu-west-101", "https://check.eu-west-101.myhuaweicloud.eu"),
        ("build", "cn-north-4", "https://cloudbuild-ext.cn-north-4.myhuaweicloud.com"),
        ("build", "cn-north-1", "https://cloudbuild-ext.cn-north-1.myhuaweicloud.com"),
        ("build", "af-south-1", "https://cloudbuild-ext.af-south-1.myhuaweicloud.com"),
        ("build", "eu-west-101", "https://build-backend.eu-west-101.myhuaweicloud.eu"),
        ("dws", "cn-north-4", "https://dws.cn-north-4.myhuaweicloud.com"),
        ("dws", "sa-brazil-1", "https://dws.sa-brazil-1.myhuaweicloud.com"),
        ("dws", "la-south-2", "https://dws.la-south-2.myhuaweicloud.com"),
        ("dws", "ru-moscow-1", "https://dws.ru-moscow-1.myhuaweicloud.com"),
        ("dws", "eu-west-101", "https://dws.eu-west-101.myhuaweicloud.eu"),
        ("iam", "cn-north-4", "https://iam.cn-north-4.myhuaweicloud.com"),
        ("iam", "ap-southeast-1", "https://iam.ap-southeast-1.myhuaweicloud.com"),
        ("iam", "eu-west-101", "https://iam.eu-west-101.myhuaweicloud.eu"),
        ("dws", " CN-North-4 ", "https://dws.cn-north-4.myhuaweicloud.com"),
    ],
)
def test_region_tables(kind, region, url):
    assert resolve(kind, region, {}) == url


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_resolves_for_the_default_region(kind):
    assert resolve(kind, "cn-north-4", {}).startswith("https://")


def test_override_wins_and_is_normalised():
    overrides = {"check": "https://check.example.com/", "dws": "HTTPS://DWS.Example.com:8443"}
    assert resolve("check", "cn-north-4", overrides) == "https://check.example.com"
    assert resolve("dws", "cn-north-4", overrides) == "https://dws.example.com:8443"
    assert resolve("build", "cn-north-4", overrides) == "https://cloudbuild-ext.cn-north-4.myhuaweicloud.com"


def test_override_makes_an_unknown_region_usable():
    assert resolve("build", "xx-nowhere-9", {"build": "https://build.example"}) == "https://build.example"


def test_unknown_region_names_the_setting():
    with pytest.raises(EndpointError) as info:
        resolve("check", "xx-nowhere-9", {}, profile="work")
    message = str(info.value)
    assert "xx-nowhere-9" in message
    assert '[profiles.work.endpoints] check = "https://..."' in message
    assert "\n" not in message
    assert isinstance(info.value, UserError)


def test_unknown_region_without_profile_uses_a_placeholder():
    with pytest.raises(EndpointError, match=r"\[profiles\.NAME\.endpoints\] dws ="):
        resolve("dws", "mars-1", {})


@pytest.mark.parametrize("region", ["", "  ", "cn north 4", "cn-north-4/../x", "cn_north_4", "cn--north", "-cn", "é", "a" * 41, "x.y"])
def test_bad_region_strings(region):
    with pytest.raises(EndpointError, match="region"):
        resolve("check", region, {})


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://127.9.9.9",
        "http://localhost:9000/",
        "http://[::1]:8000",
        "https://10.0.0.5:443",
    ],
)
def test_loopback_http_and_any_https_accepted(url):
    assert validate_url(url).rstrip("/") == url.rstrip("/")


@pytest.mark.parametrize(
    "url, why",
    [
        ("http://dws.example.com", "plain http"),
        ("http://10.0.0.1:8080", "plain http"),
        ("http://127.0.0.1.evil.com", "plain http"),
        ("ftp://host", "https://host"),
        ("dws.example.com", "https://host"),
        ("https://", "https://host"),
        ("https://host/v1.0", "without a path"),
        ("https://host/?x=1", "without a path"),
        ("https://host#frag", "without a path"),
        ("https://host?", "without a path"),
        ("https://user:pw@host", "user name or password"),
        ("https://host:99999", "not a valid URL"),
        ("https://ho st", "spaces or control"),
        ("https://host\n", "spaces or control"),
        ("", "empty"),
    ],
)
def test_bad_overrides_refused(url, why):
    with pytest.raises(EndpointError) as info:
        resolve("dws", "cn-north-4", {"dws": url}, profile="p1")
    assert why in str(info.value)
    assert "endpoint dws of profile p1" in str(info.value)


def test_refusal_never_shows_a_password():
    with pytest.raises(EndpointError) as info:
        validate_url("https://admin:hunter2@host.example/")
    assert "hunter2" not in str(info.value)


def test_unknown_kind():
    with pytest.raises(EndpointError, match="unknown endpoint kind"):
        resolve("ecs", "cn-north-4", {})

"""URLs as REFs: console and API URLs of every shape we know become the task they name, or one clear line."""

from __future__ import annotations

import pytest

from tui.errors import RefError
from tui.model import Service, TaskRef
from tui.refs import looks_like_url, parse_target, parse_url

P = "0a1b2c3d4e5f40718293a4b5c6d7e8f9"   # a CodeArts project id
T = "2b31ed520aaaaaaaebedb6e57bbbbbbb"   # a Check task id
J = "901878212b1a49be9c1a1054c272762a"   # a Build job id
D = "2c9080e8845b207101845b245e1e0001"   # a DWS job id
DP = "05f2cff45100d5112f4bc00b794ea08e"  # a DWS (IAM) project id


@pytest.mark.parametrize("url", [
    f"https://devcloud.cn-north-4.huaweicloud.com/codecheck/project/{P}/codecheck/task/{T}/detail",
    f"https://devcloud.cn-north-4.huaweicloud.com/codecheck/project/{P}/codecheck/task/{T}/detail?tab=defects",
    f"https://devcloud.cn-north-4.huaweicloud.com/codecheck/project/{P}/codecheck/task/{T}",
    f"https://devcloud.cn-north-4.huaweicloud.com/codecheck/project/{P}/codecheck/task/{T}/",
    f"http://devcloud.cn-north-4.huaweicloud.com/codecheck/project/{P}/codecheck/task/{T}/detail",
    f"devcloud.cn-north-4.huaweicloud.com/codecheck/project/{P}/codecheck/task/{T}/detail",
    f"  <https://devcloud.cn-north-4.huaweicloud.com/codecheck/project/{P}/codecheck/task/{T}/detail>  ",
    f"\"https://devcloud.cn-north-4.huaweicloud.com/codecheck/project/{P}/codecheck/task/{T}/detail\"",
    f"https://DEVCLOUD.CN-NORTH-4.HUAWEICLOUD.COM/codecheck/project/{P}/codecheck/task/{T}/detail",
    f"https://devcloud.huaweicloud.com/codecheck/project/{P}/codecheck/task/{T}/detail",
    f"https://devcloud.cn-north-4.huaweicloud.com/codecheck/#/project/{P}/codecheck/task/{T}/detail",
    f"https://console.huaweicloud.com/devcloud/?region=cn-north-4#/codecheck/project/{P}/codecheck/task/{T}/detail",
    f"https://devcloud.ap-southeast-3.huaweicloud.com/codecheck/project/{P}/codecheck/task/{T}/detail",
])
def test_check_task_pages(url):
    target = parse_target(url)
    assert target.ref == TaskRef(Service.CHECK, T)
    assert target.codearts_project == P
    assert target.from_url


def test_the_region_comes_from_the_host_or_the_query():
    assert parse_url(f"https://devcloud.cn-north-4.huaweicloud.com/codecheck/project/{P}/codecheck/task/{T}/detail"
                     ).region == "cn-north-4"
    assert parse_url(f"https://console.huaweicloud.com/devcloud/?region=ap-southeast-1#/codecheck/task/{T}"
                     ).region == "ap-southeast-1"
    assert parse_url(f"https://devcloud.huaweicloud.com/codecheck/task/{T}").region is None


@pytest.mark.parametrize("url", [
    f"https://codearts-check.cn-north-4.myhuaweicloud.com/v2/tasks/{T}/progress",
    f"https://codecheck-ext.cn-north-4.myhuaweicloud.com/v2/tasks/{T}/defects-summary",
    f"https://check.eu-west-101.myhuaweicloud.eu/v2/tasks/{T}/progress",
    f"https://codearts-check.cn-north-4.myhuaweicloud.com/v2/{P}/tasks/{T}/log-detail",
    f"https://devcloud.cn-north-4.huaweicloud.com/codecheck/task?task_id={T}",
])
def test_check_api_and_query_forms(url):
    assert parse_target(url).ref == TaskRef(Service.CHECK, T)


@pytest.mark.parametrize("url, project", [
    (f"https://devcloud.cn-north-4.huaweicloud.com/cloudbuild/project/{P}/job/{J}", P),
    (f"https://devcloud.cn-north-4.huaweicloud.com/cicd/project/{P}/cloudbuild/detail/history/{J}", P),
    (f"https://devcloud.cn-north-4.huaweicloud.com/cicd/project/{P}/cloudbuild/detail/history/{J}?tab=log", P),
    (f"https://devcloud.cn-north-4.huaweicloud.com/cloudbuild/project/{P}/job/{J}/detail/history/{J}/42", P),
    (f"https://devcloud.cn-north-4.huaweicloud.com/cloudbuildservice/#/project/{P}/job/{J}", P),
    (f"https://devcloud.cn-north-4.huaweicloud.com/cloudbuild/edit/{J}", None),
    (f"https://devcloud.cn-north-4.huaweicloud.com/cloudbuild/index?jobId={J}", None),
    (f"https://cloudbuild-ext.cn-north-4.myhuaweicloud.com/v3/jobs/{J}/status", None),
    (f"https://cloudbuild-ext.cn-north-4.myhuaweicloud.com/v1/job/{J}/running-status", None),
    (f"https://build-backend.eu-west-101.myhuaweicloud.eu/v3/jobs/{J}/history", None),
])
def test_build_job_pages(url, project):
    target = parse_target(url)
    assert target.ref == TaskRef(Service.BUILD, J)
    assert target.codearts_project == project


@pytest.mark.parametrize("url, project", [
    (f"https://dws.cn-north-4.myhuaweicloud.com/v1.0/{DP}/job/{D}", DP),
    (f"https://console.huaweicloud.com/dws/?region=cn-north-4#/dws/cluster-mgmt?job_id={D}", None),
    (f"https://console.huaweicloud.com/dws/?region=cn-north-4&jobId={D}#/dws/jobs", None),
    (f"https://console.huaweicloud.com/dws/?region=cn-north-4#/dws/job/{D}", None),
    (f"https://console.huaweicloud.com/dws/?region=cn-north-4&project_id={DP}#/dws/job/{D}", DP),
])
def test_anything_carrying_a_dws_job_id(url, project):
    target = parse_target(url)
    assert target.ref.service is Service.DWS and target.ref.task_id == D
    assert target.ref.project_id == project


def test_a_dws_url_without_a_project_takes_the_profiles():
    target = parse_target(f"https://console.huaweicloud.com/dws/#/dws/job/{D}", default_project=DP)
    assert str(target.ref) == f"dws:{DP}/{D}"


@pytest.mark.parametrize("url, words", [
    (f"https://devcloud.cn-north-4.huaweicloud.com/codecheck/project/{P}/codecheck/tasks", "no CodeArts Check id"),
    ("https://devcloud.cn-north-4.huaweicloud.com/codecheck/project/abc/codecheck/index", "expected a CodeArts Check"),
    ("https://devcloud.cn-north-4.huaweicloud.com/cloudbuild/project/abc/index", "no CodeArts Build id"),
    ("https://console.huaweicloud.com/dws/?region=cn-north-4#/dws/cluster-mgmt", "no DWS job id"),
    ("https://console.huaweicloud.com/ecs/?region=cn-north-4#/ecs/manager/vmList", "cannot tell which service"),
    (f"https://example.com/codecheck/task/{T}", "not a Huawei Cloud host"),
    (f"https://huaweicloud.com.evil.example/codecheck/task/{T}", "not a Huawei Cloud host"),
    ("https://", "no host"),
    ("https://devcloud.cn-north-4.huaweicloud.com/codecheck/task/a%2Fb/detail", "'/'"),
    ("https://devcloud.cn-north-4.huaweicloud.com/codecheck/task/" + "x" * 70, "at most 64"),
])
def test_a_url_without_a_usable_id_says_what_it_expected(url, words):
    with pytest.raises(RefError) as info:
        parse_target(url)
    message = str(info.value)
    assert words in message
    assert "\n" not in message and len(message) < 400


def test_a_url_never_reaches_the_ref_parser_error():
    with pytest.raises(RefError) as info:
        parse_target("https://devcloud.cn-north-4.huaweicloud.com/codecheck/project/P/codecheck/index")
    assert "unknown service" not in str(info.value)


@pytest.mark.parametrize("text, ref", [
    (f"check:{T}", f"check:{T}"),
    (f"build:{J}", f"build:{J}"),
    (f"dws:{DP}/{D}", f"dws:{DP}/{D}"),
])
def test_refs_still_parse(text, ref):
    target = parse_target(text)
    assert str(target.ref) == ref and not target.from_url and target.codearts_project is None


@pytest.mark.parametrize("text, yes", [
    ("https://x.example/a", True),
    ("HTTP://x", True),
    ("devcloud.cn-north-4.huaweicloud.com/codecheck/task/x", True),
    ("check:abc", False),
    ("nightly scan", False),
    ("huaweicloud.com", False),
])
def test_looks_like_url(text, yes):
    assert looks_like_url(text) is yes

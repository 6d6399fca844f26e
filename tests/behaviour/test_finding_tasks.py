"""Finding tasks without copying ids: console URLs as REFs, real names on add, `discover`, as a user runs them."""

from __future__ import annotations

import argparse
import asyncio
import json

from tests.behaviour.conftest import open_demo_runtime
from tui.cli import discover
from tui.cli.main import main
from tui.sim.demo import DEMO_CODEARTS_PROJECT
from tui.store.watchlist import Watchlist

UNWATCHED_CHECK = "f1e2d3c4b5a64978a1b2c3d4e5f60718"   # "auth-service scan", in the simulator, not in the demo's list
CHECK_URL = (f"https://devcloud.cn-north-4.huaweicloud.com/codecheck/project/{DEMO_CODEARTS_PROJECT}"
             f"/codecheck/task/{UNWATCHED_CHECK}/detail")


async def on_clock(rt, coro):
    """Run a coroutine while moving the runtime's FakeClock (rate-limit waits pass, nothing waits for real)."""
    job = asyncio.ensure_future(coro)
    while not job.done():
        rt.clock.advance(0.25)
        await asyncio.sleep(0.001)
    return job.result()


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_adding_a_check_task_by_its_console_url_watches_it_under_its_real_name(capsys):
    code, out, err = run(capsys, "add", "--demo", CHECK_URL)
    assert code == 0, err
    assert f"watching check:{UNWATCHED_CHECK} as 'auth-service scan'" in out
    assert err == ""


def test_the_url_keeps_the_codearts_project_in_the_watch_list(tmp_path):
    rt = open_demo_runtime(tmp_path)
    task = rt.add(CHECK_URL)
    assert task.codearts_project == DEMO_CODEARTS_PROJECT and task.name_pending
    again = Watchlist(tmp_path / "watchlist.toml")
    again.load()
    saved = next(t for t in again.tasks if t.key == task.key)
    assert saved.codearts_project == DEMO_CODEARTS_PROJECT and saved.name_pending
    assert f'codearts_project = "{DEMO_CODEARTS_PROJECT}"' in (tmp_path / "watchlist.toml").read_text()
    rt.close()


def test_a_url_without_an_id_says_what_it_expected_in_one_line(capsys):
    url = f"https://devcloud.cn-north-4.huaweicloud.com/codecheck/project/{DEMO_CODEARTS_PROJECT}/codecheck/index"
    code, out, err = run(capsys, "add", "--demo", url)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "no CodeArts Check id" in err and "/codecheck/task/TASK_ID/detail" in err


def test_a_failed_name_lookup_still_adds_the_task_and_says_so(capsys):
    code, out, err = run(capsys, "add", "--demo", "dws:2c9080e8845b207101845b245e1e0999")
    assert code == 0
    assert "watching dws:" in out and " as '" not in out
    assert "its name could not be fetched" in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_name_given_with_name_is_kept_and_nothing_is_looked_up(capsys, tmp_path):
    rt = open_demo_runtime(tmp_path)
    task = rt.add(CHECK_URL, "mine")
    assert task.name == "mine" and not task.name_pending
    rt.close()


async def test_a_task_whose_name_lookup_failed_is_named_by_a_later_poll(tmp_path):
    rt = open_demo_runtime(tmp_path)
    ref = "build:4d1e2f3a5b6c47d8e9f0a1b2c3d4e5f6"  # "release-pipeline" in the simulator
    assert rt.simulator is not None
    rt.simulator.inject("server", ref=ref, count=1)  # the add-time lookup meets a server error
    task = rt.add(ref)
    task, why = await rt.name_now(task)
    assert why is not None and task.name is None and task.name_pending
    result = await on_clock(rt, rt.sweep([task]))  # a good poll: the runtime looks the name up again
    await rt.stop()
    assert result[task.key].error is None
    named = Watchlist(tmp_path / "watchlist.toml")
    named.load()
    saved = next(t for t in named.tasks if t.key == task.key)
    assert saved.name == "release-pipeline" and not saved.name_pending


async def test_a_dws_job_is_named_from_its_own_status_answer(tmp_path):
    rt = open_demo_runtime(tmp_path)
    rt.remove("dws:2c9080e8845b207101845b245e1e0002")  # a demo job, watched by the demo under a name of its own
    task = rt.add("dws:2c9080e8845b207101845b245e1e0002")  # its answer carries job_name
    await on_clock(rt, rt.sweep([task]))
    await rt.stop()
    assert next(t for t in rt.tasks() if t.key == task.key).name == "expandClusterJob"


def test_a_name_the_user_gives_is_never_replaced(tmp_path):
    rt = open_demo_runtime(tmp_path)
    task = rt.add("build:4d1e2f3a5b6c47d8e9f0a1b2c3d4e5f6")
    rt.rename(task.key, "my pipeline")
    assert rt.watchlist.take_name(task.key, "release-pipeline") is None
    assert rt.find(task.key).name == "my pipeline"
    rt.close()


def test_discover_build_demo_json_lists_the_simulators_jobs(capsys):
    code, out, err = run(capsys, "discover", "build", "--demo", "--json")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    names = {r["name"] for r in rows}
    assert {"api-gateway build", "release-pipeline", "integration-tests"} <= names
    assert all(r["ref"].startswith("build:") and r["profile"] == "default" for r in rows)
    assert {r["phase"] for r in rows} >= {"running", "succeeded"}
    assert {r["watched"] for r in rows} == {True, False}


def test_discover_add_watches_what_it_lists(tmp_path, capsys):
    rt = open_demo_runtime(tmp_path)
    args = argparse.Namespace(service="build", project=None, search=None, json=True, add=True, profile=None)
    assert discover.run(rt, args) == 0
    out, err = capsys.readouterr()
    listed = {json.loads(line)["ref"] for line in out.splitlines()}
    watched = {t.key: t for t in rt.tasks()}
    assert listed <= set(watched) and "watching 2 more" in err
    added = watched["build:5e2f3a4b6c7d48e9f0a1b2c3d4e5f607"]
    assert added.name == "integration-tests" and added.codearts_project == DEMO_CODEARTS_PROJECT
    rt.close()


def test_discover_search_narrows_and_check_finds_its_projects(capsys):
    code, out, _ = run(capsys, "discover", "build", "--demo", "--search", "release")
    assert code == 0 and "release-pipeline" in out and "api-gateway" not in out
    code, out, err = run(capsys, "discover", "check", "--demo")
    assert code == 0, err
    assert "auth-service scan" in out and "payments-service scan" in out


def test_discover_dws_says_there_is_no_list_api(capsys):
    code, out, err = run(capsys, "discover", "dws", "--demo")
    assert code == 2 and "DWS has no API that lists jobs" in err and err.count("\n") == 1

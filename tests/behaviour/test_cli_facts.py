"""`hcwatch list --demo --json`: outcome, url and eta filled where the simulator gives the data, null elsewhere."""

from __future__ import annotations

import json

from tui.cli.main import main


def demo_objects(capsys) -> dict[str, dict]:
    assert main(["list", "--demo", "--json"]) == 0
    out, _ = capsys.readouterr()
    return {o["name"]: o for o in map(json.loads, out.splitlines())}


def test_outcome_url_and_eta_where_known_and_null_where_not(capsys):
    objs = demo_objects(capsys)
    check = objs["web-frontend scan"]["outcome"]  # a failed check: its defect counts and gate
    assert check["defects"]["critical"] >= 1 and check["gate_passed"] is False and check["error"]
    nightly = objs["mobile-app nightly"]["outcome"]  # a finished build: number, start, duration, trigger
    assert nightly["number"] == "117" and nightly["duration_s"] > 0 and nightly["trigger"]
    archive = objs["dws-archive restore"]["outcome"]
    assert archive["duration_s"] == 3600
    running = objs["api-gateway build"]["eta"]  # a running build: usual time from its records
    assert running["usual_s"] > 0 and running["remaining_s"] > 0 and running["elapsed_from"] == "service"
    assert objs["dws-prod create"]["eta"]["remaining_s"] > 0  # from its percent since begin_time
    for name in ("legacy-monolith scan", "docs-site build", "dws-analytics expand"):
        assert objs[name]["outcome"] is None, name  # nothing finished: nothing invented
    assert objs["docs-site build"]["eta"] is None and objs["legacy-monolith scan"]["eta"] is None
    assert objs["dws-prod create"]["url"].startswith("https://console.huaweicloud.com/dws/?region=cn-north-4")
    assert all(o["url"] and o["url"].startswith("https://") for o in objs.values())


def test_a_link_template_with_an_unknown_placeholder_gives_null(capsys, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[links]\ncheck = "https://example.invalid/{nobody_knows}/{id}"\ndws = ""\n')
    assert main(["list", "--demo", "--json", "--config", str(config)]) == 0
    out, _ = capsys.readouterr()
    objs = [json.loads(line) for line in out.splitlines()]
    assert {o["url"] for o in objs if o["service"] in ("check", "dws")} == {None}
    assert all(o["url"] for o in objs if o["service"] == "build")

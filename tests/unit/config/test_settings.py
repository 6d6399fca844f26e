"""config.toml: defaults, every setting, file:line errors, unknown-key warnings, secrets refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tui.config.paths import default_paths
from tui.config.settings import NotifySettings, Profile, Settings, load_config
from tui.errors import ConfigError, UserError

FULL = """\
# every setting
interval = 5
finished_interval = 120.5
backoff_cap = 600
max_in_flight = 4
rate = 2.5
history = 50

[profiles.default]
region = "cn-north-4"
project_id = "05f2cff45100d5112f4bc00b794ea08e"
auth = "token"

[profiles.prod-eu_1]
region = "eu-west-101"
auth = "password"
user = "alice"
domain = "acme"
[profiles.prod-eu_1.endpoints]
check = "https://codearts-check.example.com"
iam = "https://iam.example.com"

[notify]
bell = false
toast = false

[keymap]
refresh = "r,f5"
"""


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path, env=env or {})
    message = str(info.value)
    assert "\n" not in message
    assert isinstance(info.value, UserError)
    return message


def test_no_file_gives_defaults_and_a_default_profile(tmp_path: Path) -> None:
    s = load_config(tmp_path / "missing.toml", env={})
    assert s.interval == 10.0 and s.finished_interval == 60.0 and s.backoff_cap == 300.0
    assert s.max_in_flight == 8 and s.rate == 20.0 and s.history == 200
    assert s.profiles == {"default": Profile("default")}
    assert s.notify == NotifySettings() and s.keymap == {} and s.warnings == [] and s.path is None


def test_no_file_takes_project_id_from_environment(tmp_path: Path) -> None:
    s = load_config(tmp_path / "missing.toml", env={"HUAWEICLOUD_SDK_PROJECT_ID": "abc123"})
    assert s.profiles["default"].project_id == "abc123"
    assert s.profiles["default"].region == "cn-north-4"


def test_bad_project_id_in_environment(tmp_path: Path) -> None:
    msg = error_of(tmp_path / "missing.toml", env={"HUAWEICLOUD_SDK_PROJECT_ID": "../x"})
    assert "HUAWEICLOUD_SDK_PROJECT_ID" in msg


def test_every_setting_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    s = load_config(path, env={"HUAWEICLOUD_SDK_PROJECT_ID": "fromenv"})
    assert (s.interval, s.finished_interval, s.backoff_cap) == (5.0, 120.5, 600.0)
    assert (s.max_in_flight, s.rate, s.history) == (4, 2.5, 50)
    assert s.profiles["default"] == Profile("default", "cn-north-4", "05f2cff45100d5112f4bc00b794ea08e", "token")
    assert s.profiles["prod-eu_1"] == Profile(
        "prod-eu_1", "eu-west-101", None, "password", "alice", "acme",
        {"check": "https://codearts-check.example.com", "iam": "https://iam.example.com"},
    )
    assert s.notify == NotifySettings(bell=False, toast=False)
    assert s.keymap == {"refresh": "r,f5"}
    assert s.warnings == [] and s.path == path


def test_default_profile_added_when_config_names_others(tmp_path: Path) -> None:
    path = write(tmp_path, '[profiles.prod]\nregion = "ap-southeast-1"\n')
    s = load_config(path, env={"HUAWEICLOUD_SDK_PROJECT_ID": "p1"})
    assert set(s.profiles) == {"default", "prod"}
    assert s.profiles["default"].project_id == "p1" and s.profiles["prod"].project_id is None
    with pytest.raises(ConfigError, match="no profile 'nope'.*default, prod"):
        s.profile("nope")
    assert s.profile("prod").region == "ap-southeast-1"


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'interval = 10\n[profiles.default]\nregion = "cn-north-4\n')
    msg = error_of(path)
    assert msg.startswith(f"{path}:3: invalid TOML")


def test_syntax_error_at_end_of_file(tmp_path: Path) -> None:
    path = write(tmp_path, "interval = 10\nrate = [1,\n")
    msg = error_of(path)
    assert msg.startswith(f"{path}:") and "invalid TOML" in msg


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('# c\n\ninterval = "ten"\n', 3, 'interval must be a number of seconds, not "ten"'),
        ("interval = 1\n", 1, "interval must be at least 2 seconds, not 1"),
        ("interval = 1.5\n", 1, "at least 2 seconds"),
        ("interval = true\n", 1, "interval must be a number of seconds, not true"),
        ("interval = nan\n", 1, "interval must be a number of seconds"),
        ("a = 1\nfinished_interval = [1]\n", 2, "finished_interval must be a number of seconds, not a list"),
        ("\nbackoff_cap = 0\n", 2, "backoff_cap must be at least 2"),
        ("max_in_flight = 2.5\n", 1, "max_in_flight must be a whole number"),
        ("max_in_flight = 0\n", 1, "max_in_flight must be at least 1"),
        ("rate = 0\n", 1, "rate must be a positive number"),
        ("rate = \"fast\"\n", 1, "rate must be a positive number"),
        ("history = -3\n", 1, "history must be at least 1"),
        ("profiles = 3\n", 1, "profiles must be a table"),
        ("[profiles]\ndefault = 1\n", 2, "profiles.default must be a table"),
        ('[profiles."bad name"]\nregion = "x"\n', 1, "profile name \"bad name\" may only use"),
        ("[profiles.default]\n\nregion = 4\n", 3, "region must be a region name"),
        ('[profiles.default]\nregion = ""\n', 2, "region must not be empty"),
        ('[profiles.default]\nproject_id = "a/b"\n', 2, "project_id 'a/b' contains '/'"),
        ('[profiles.default]\nauth = "magic"\n', 2, "auth must be one of token, password, aksk, not \"magic\""),
        ("[profiles.default]\nuser = 7\n", 2, "user must be text"),
        ('[profiles.x]\nregion = "r"\n[profiles.x.endpoints]\ncheck = 1\n', 4, "check must be a URL"),
        ("[profiles.x]\nendpoints = 1\n", 2, "must be a table"),
        ('[notify]\nbell = "yes"\n', 2, 'bell must be true or false, not "yes"'),
        ("[keymap]\nrefresh = 5\n", 2, "refresh must be key names"),
        ('[keymap]\nrefresh = " "\n', 2, "must name at least one key"),
        ('profiles.default.region = 5\n', 1, "region must be"),
        # Absurd sizes used to pass, then crash later (deque maxlen overflow, a next poll past year 9999).
        ("history = 99999999999999999999\n", 1, "history must be at most 100000"),
        ("max_in_flight = 1000000\n", 1, "max_in_flight must be at most 1000"),
        ("interval = 1e300\n", 1, "interval must be at most 604800 seconds"),
        ("finished_interval = 1e12\n", 1, "finished_interval must be at most"),
        # Found at load, not as a config error on every task at its first poll.
        ('[profiles.default]\n\nregion = "cn north"\n', 3, "region 'cn north' is not valid"),
        ('[profiles.w]\n[profiles.w.endpoints]\ncheck = "http://evil.example.com"\n', 3, "uses plain http"),
        ('[profiles.w.endpoints]\niam = "https://iam.example.com/v3?x=1"\n', 2, "without a path or query"),
        ('[profiles.w.endpoints]\ndws = "ftp://dws.example.com"\n', 2, "must look like https://host[:port]"),
    ],
)
def test_type_errors_name_file_line_and_problem(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = write(tmp_path, text)
    msg = error_of(path)
    assert msg.startswith(f"{path}:{line}: "), msg
    assert words in msg


def test_error_line_found_in_the_right_table(tmp_path: Path) -> None:
    text = '[profiles.a]\nregion = "cn-north-4"\n[profiles.b]\nregion = 5\n'
    msg = error_of(write(tmp_path, text))
    assert ":4: region" in msg


@pytest.mark.parametrize(
    ("text", "env"),
    [
        ('[profiles.default]\npassword = "hunter2"\n', "HCWATCH_PASSWORD"),
        ('[profiles.default]\nsk = "hunter2"\n', "HUAWEICLOUD_SDK_SK"),
        ('token = "hunter2"\n', "HCWATCH_AUTH_TOKEN"),
        ('[profiles.default]\nAK = "hunter2"\n', "HUAWEICLOUD_SDK_AK"),
        ('[profiles.default.endpoints]\nsecurity_token = "hunter2"\n', "HUAWEICLOUD_SDK_SECURITY_TOKEN"),
    ],
)
def test_secrets_are_refused_without_echoing_them(tmp_path: Path, text: str, env: str) -> None:
    path = write(tmp_path, "interval = 5\n" + text)
    msg = error_of(path)
    assert msg.startswith(f"{path}:")
    assert env in msg and "environment" in msg
    assert "hunter2" not in msg


def test_unknown_keys_warn_with_file_line_and_are_not_fatal(tmp_path: Path) -> None:
    text = 'intervall = 5\n[profiles.default]\nregoin = "x"\n[profiles.default.endpoints]\nobs = "https://o"\n[notify]\nbeep = true\n[colours]\na = 1\n'
    path = write(tmp_path, text)
    s = load_config(path, env={})
    assert s.interval == 10.0
    assert len(s.warnings) == 5
    w = s.warnings
    assert w[0].startswith(f"{path}:1: unknown setting 'intervall'") and "did you mean 'interval'" in w[0]
    assert w[1].startswith(f"{path}:3: unknown setting 'regoin' in [profiles.default]") and "'region'" in w[1]
    assert w[2].startswith(f"{path}:5: unknown setting 'obs'")
    assert w[3].startswith(f"{path}:7: unknown setting 'beep'")
    assert w[4].startswith(f"{path}:8: unknown setting 'colours'")


def test_config_that_is_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "config.toml"
    folder.mkdir()
    assert error_of(folder) == f"{folder}: is a folder, not a config file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read anything")
def test_unreadable_config(tmp_path: Path) -> None:
    path = write(tmp_path, "interval = 5\n")
    path.chmod(0)
    assert error_of(path) == f"{path}: cannot read it (permission denied)"


def test_config_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"interval = 5\n# caf\xe9\n")
    assert error_of(path) == f"{path}:2: not UTF-8 text"


def test_settings_defaults_are_independent() -> None:
    a, b = Settings(), Settings()
    a.profiles["x"] = Profile("x")
    a.warnings.append("w")
    assert b.profiles == {} and b.warnings == []


def test_default_paths_follow_environment(tmp_path: Path) -> None:
    p = default_paths({"HCWATCH_CONFIG": str(tmp_path / "c.toml"), "HCWATCH_WATCHLIST": str(tmp_path / "w.toml")})
    assert p.config == tmp_path / "c.toml" and p.watchlist == tmp_path / "w.toml"
    d = default_paths({})
    assert d.config.name == "config.toml" and d.watchlist.name == "watchlist.toml"
    assert d.config.parent == d.watchlist.parent and "hcwatch" in str(d.config.parent)
    assert "hcwatch" in str(d.state_dir)



def test_loopback_http_and_unknown_region_with_overrides_load(tmp_path: Path) -> None:
    text = ('[profiles.lab]\nregion = "xx-lab-1"\n[profiles.lab.endpoints]\n'
            'check = "http://127.0.0.1:8000"\nbuild = "https://build.lab.example"\n')
    s = load_config(write(tmp_path, text), env={})
    assert s.profiles["lab"].endpoints["check"] == "http://127.0.0.1:8000"


@pytest.mark.parametrize(("region", "hint"), [("cn-nort-4", "did you mean 'cn-north-4'?"),
                                              ("ap-southest-1", "did you mean 'ap-southeast-1'?"),
                                              ("xyz", "")])
def test_unknown_region_without_endpoints_is_an_error_at_load(tmp_path: Path, region: str, hint: str) -> None:
    path = write(tmp_path, f'[profiles.default]\nproject_id = "p1"\nregion = "{region}"\n')
    msg = error_of(path)
    assert msg.startswith(f"{path}:3: unknown region '{region}'") and hint in msg and "\n" not in msg
    assert "[profiles.default.endpoints]" in msg


@pytest.mark.parametrize("text, line, hint", [
    ('[default]\nregion = "cn-north-4"\n', 1, "[profiles.default]"),
    ('[default]\n', 1, "[profiles.default]"),
    ('interval = 5\n[default.endpoints]\ncheck = "https://x.example"\n', 2, "[profiles.default]"),
    ('[team-b]\nproject_id = "abc"\n', 1, "[profiles.team-b]"),
    ('[profile.default]\nregion = "cn-north-4"\n', 1, "[profiles.default]"),
])
def test_a_profile_outside_profiles_is_warned_with_what_was_meant(tmp_path: Path, text: str, line: int,
                                                                  hint: str) -> None:
    path = write(tmp_path, text)
    s = load_config(path, env={})
    assert len(s.warnings) == 1
    assert s.warnings[0].startswith(f"{path}:{line}: unknown setting ")
    assert s.warnings[0].endswith(f"ignored (did you mean {hint}?)"), s.warnings[0]
    assert list(s.profiles) == ["default"]   # only the built-in one: the table is not read as a profile

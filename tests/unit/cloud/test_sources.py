"""Per-profile credential sources: config keys, which credentials they give, and how they are described."""

from __future__ import annotations

import httpx
import pytest

from tui.clock import FakeClock
from tui.cloud.auth import AkSkAuth, TokenAuth, credentials_for
from tui.cloud.auth.sources import describe, sources_for
from tui.config.settings import Profile, load_config
from tui.errors import AuthError, ConfigError

IAM = "https://iam.example"


def creds(profile, env, tmp_path):
    client = httpx.AsyncClient()
    return credentials_for(profile, client=client, iam_endpoint=IAM, env={"HOME": str(tmp_path), **env},
                           clock=FakeClock())


def test_the_config_reads_every_source_key(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[profiles.b]\ntoken_env = "B_TOKEN"\nak_env = "B_AK"\nsk_env = "B_SK"\npassword_env = "B_PW"\n'
                   'credentials_file = "~/.huaweicloud/b"\ncredentials_section = "team-b"\n')
    prof = load_config(cfg, env={}).profiles["b"]
    assert (prof.token_env, prof.ak_env, prof.sk_env, prof.password_env) == ("B_TOKEN", "B_AK", "B_SK", "B_PW")
    assert prof.credentials_file == "~/.huaweicloud/b" and prof.credentials_section == "team-b"


@pytest.mark.parametrize("line", ['token_env = "MIIS/secret+token=="', 'ak_env = ""', 'credentials_section = "[x]"'])
def test_a_source_that_is_not_a_name_is_refused_without_echoing_it(tmp_path, line):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"[profiles.b]\n{line}\n")
    with pytest.raises(ConfigError) as info:
        load_config(cfg, env={})
    assert f"{cfg}:2" in str(info.value) and "secret+token" not in str(info.value)


def test_a_profile_without_sources_keeps_the_defaults(tmp_path):
    assert not sources_for(Profile("default")).custom
    got = creds(Profile("default"), {"HCWATCH_AUTH_TOKEN": "tok"}, tmp_path)
    assert isinstance(got, TokenAuth) and got.source == "HCWATCH_AUTH_TOKEN"


def test_a_profile_token_variable_is_used_and_the_default_never_borrowed(tmp_path):
    prof = Profile("b", token_env="B_TOKEN")
    got = creds(prof, {"B_TOKEN": "b-tok", "HCWATCH_AUTH_TOKEN": "a-tok"}, tmp_path)
    assert isinstance(got, TokenAuth) and got.secrets() == ["b-tok"] and got.source == "B_TOKEN"
    with pytest.raises(AuthError) as info:
        creds(prof, {"HCWATCH_AUTH_TOKEN": "a-tok", "HUAWEICLOUD_SDK_AK": "AKA", "HUAWEICLOUD_SDK_SK": "SKA"}, tmp_path)
    assert "token_env = 'B_TOKEN'" in str(info.value)


def test_aksk_variables_and_a_credentials_file_section(tmp_path):
    got = creds(Profile("b", ak_env="B_AK", sk_env="B_SK"), {"B_AK": "AKB0000000001", "B_SK": "skb"}, tmp_path)
    assert isinstance(got, AkSkAuth) and got.source == "B_AK/B_SK"
    ini = tmp_path / "team.ini"
    ini.write_text("[basic]\nak = AKA000000000\nsk = ska\n[team-b]\nak = AKB000000000\nsk = skb\n")
    ini.chmod(0o600)
    prof = Profile("b", credentials_file=str(ini), credentials_section="team-b")
    got = creds(prof, {}, tmp_path)
    assert isinstance(got, AkSkAuth) and "skb" in got.secrets() and got.source.endswith("[team-b]")
    with pytest.raises(AuthError, match="no \\[other\\] section"):
        creds(Profile("b", credentials_file=str(ini), credentials_section="other"), {}, tmp_path)
    with pytest.raises(AuthError, match="does not exist"):
        creds(Profile("b", credentials_file=str(tmp_path / "missing")), {}, tmp_path)


def test_a_password_variable(tmp_path):
    prof = Profile("b", user="alice", domain="acme", project_id="p1", password_env="B_PW")
    got = creds(prof, {"B_PW": "pw", "HCWATCH_PASSWORD": "other"}, tmp_path)
    assert "pw" in got.secrets() and "other" not in got.secrets()


def test_describe_says_where_and_never_what(tmp_path):
    env = {"HOME": str(tmp_path), "B_TOKEN": "very-secret-token"}
    assert describe(Profile("b", token_env="B_TOKEN"), env) == "token from $B_TOKEN"
    text = describe(Profile("c", token_env="C_TOKEN"), env)
    assert text.startswith("none found") and "C_TOKEN" in text
    assert "very-secret-token" not in describe(Profile("default"), {**env, "HCWATCH_AUTH_TOKEN": "very-secret-token"})

"""`hotline sip kamailio-config --websocket-port`: the browser-softphone part of the Kamailio configuration
(checked by kamailio itself), and the ephemeral credentials the console issues for it."""

from __future__ import annotations

import stat
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sip_testkit import HOTLINE, subprocess_env

from hotline.settings import load_settings
from hotline.sip.browser_phones import (
    SoftphoneUnavailable,
    browser_phone_uri,
    configured_browser_phone_uri,
    issue_credentials,
)

KAMAILIO = "/usr/sbin/kamailio"
SECRET = "softphone-test-secret-0123456789"
MODULES = Path("/usr/lib/x86_64-linux-gnu/kamailio/modules")


def kamailio_config(tmp_path: Path, *args: str, secret: str = SECRET) -> subprocess.CompletedProcess:
    env = {**subprocess_env(), "HOTLINE_SOFTPHONE_SECRET": secret}
    return subprocess.run([*HOTLINE, "sip", "kamailio-config", "--worker", "127.0.0.1:5070", "--listen",
                           "127.0.0.1", "--out", str(tmp_path / "kamailio.cfg"), *args],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)


@pytest.mark.skipif(not all((MODULES / m).exists() for m in ("websocket.so", "auth_ephemeral.so")),
                    reason="needs kamailio-websocket-modules and kamailio-autheph-modules")
def test_the_softphone_config_is_accepted_by_kamailio_and_keeps_its_secret_private(tmp_path):
    written = kamailio_config(tmp_path, "--websocket-port", "8088", "--rtpengine", "127.0.0.1:22299",
                              "--allowed-origin", "https://hotline.example")
    assert written.returncode == 0, written.stderr
    assert "ws://127.0.0.1:8088" in written.stdout
    cfg = tmp_path / "kamailio.cfg"
    text = cfg.read_text(encoding="utf-8")
    assert 'modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:22299")' in text
    assert f'modparam("auth_ephemeral", "secret", "{SECRET}")' in text
    assert '$hdr(Origin) != "https://hotline.example"' in text
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    checked = subprocess.run([KAMAILIO, "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert "tcp: 127.0.0.1 [127.0.0.1]:8088" in checked.stdout + checked.stderr


def test_the_softphone_config_refuses_a_missing_secret_and_clashing_ports(tmp_path):
    no_secret = kamailio_config(tmp_path, "--websocket-port", "8088", secret="")
    assert no_secret.returncode == 2 and "HOTLINE_SOFTPHONE_SECRET" in no_secret.stderr
    clash = kamailio_config(tmp_path, "--websocket-port", "5060", "--public-port", "5060")
    assert clash.returncode == 2 and "--websocket-port 5060" in clash.stderr
    bad = kamailio_config(tmp_path, "--websocket-port", "8088", "--rtpengine", "22222")
    assert bad.returncode == 2 and "--rtpengine expects HOST:PORT" in bad.stderr
    plain = kamailio_config(tmp_path)  # without --websocket-port: the dispatcher only, no secret needed
    assert plain.returncode == 0, plain.stderr
    assert "websocket" not in (tmp_path / "kamailio.cfg").read_text(encoding="utf-8")


def test_console_credentials_are_the_auth_ephemeral_scheme_for_that_agent_only():
    now = datetime.fromtimestamp(1_700_000_000 - 600, UTC)
    creds = issue_credentials(username="agent7", display_name="坐席七", ws_url="ws://10.1.2.3:8088",
                              secret=SECRET, domain="", ttl_s=600, now=now)
    assert creds.authorization_user == "1700000000:agent7"
    # base64(HMAC-SHA1(secret, user)), as `openssl dgst -sha1 -hmac SECRET -binary | base64` gives it
    assert creds.password == "swTj8kVxI9i/7w7t0Idx/ako9LE="
    assert creds.uri == "sip:agent7@10.1.2.3" and creds.expires_at == 1_700_000_000
    assert browser_phone_uri("agent7", "127.0.0.1:5060") == "sip:agent7@127.0.0.1:5060"
    configured = load_settings(softphone_ws_url="wss://hotline.example/sip",
                               softphone_sip_domain="10.0.0.2:5060")
    assert configured_browser_phone_uri(configured, "agent7") == "sip:agent7@10.0.0.2:5060"
    assert configured_browser_phone_uri(load_settings(softphone_ws_url="ws://10.0.0.3:8088"), "a1") == (
        "sip:a1@10.0.0.3")
    assert configured_browser_phone_uri(load_settings(), "agent7") is None
    with pytest.raises(ValueError, match="SIP user"):
        browser_phone_uri("张三", "127.0.0.1")
    with pytest.raises(SoftphoneUnavailable, match="HOTLINE_SOFTPHONE_WS_URL"):
        issue_credentials(username="agent7", display_name="", ws_url="", secret=SECRET, domain="",
                          ttl_s=600, now=now)
    with pytest.raises(SoftphoneUnavailable, match="HOTLINE_SOFTPHONE_SECRET"):
        issue_credentials(username="agent7", display_name="", ws_url="ws://h:1", secret="short", domain="",
                          ttl_s=600, now=now)

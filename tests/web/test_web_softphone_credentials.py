"""GET /api/softphone/credentials: the signed-in agent's WebSocket URL and short-lived SIP credentials."""

from __future__ import annotations

import time

from web_testkit import WebClient, build_app, serve, signed_in

from hotline.models import Role
from hotline.sip.browser_phones import ephemeral_password

SECRET = "softphone-test-secret-0123456789"


def test_an_agent_gets_credentials_for_their_own_sip_identity(web_engine, analyzer, tmp_path):
    app = build_app(web_engine, analyzer, tmp_path, softphone_ws_url="ws://127.0.0.1:8088",
                    softphone_sip_domain="127.0.0.1:5060", softphone_secret=SECRET,
                    softphone_credential_ttl_s=3600)
    with serve(app) as url, WebClient(app, url) as client:
        assert client.get("/api/softphone/credentials").status_code == 401
        agent = signed_in(client, web_engine, Role.agent)
        response = client.get("/api/softphone/credentials")
        assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
        creds = response.json()
        expiry, user = creds["authorization_user"].split(":")
        assert user == agent and abs(int(expiry) - (time.time() + 3600)) < 60
        assert creds["uri"] == f"sip:{agent}@127.0.0.1:5060" and creds["ws_url"] == "ws://127.0.0.1:8088"
        assert creds["password"] == ephemeral_password(SECRET, creds["authorization_user"])
        page = client.get("/").text
        assert 'id="softphone"' in page and "vendor/jssip/jssip-3.13.8.min.js" in page
        assert creds["password"] not in page  # the page itself carries no credentials

        handler = client.new_browser()
        signed_in(handler, web_engine, Role.handler)
        assert handler.get("/api/softphone/credentials").status_code == 403


def test_without_kamailio_settings_there_is_no_softphone_and_the_api_says_what_to_set(client, web_engine):
    signed_in(client, web_engine, Role.agent)
    response = client.get("/api/softphone/credentials")
    assert response.status_code == 404
    assert response.json()["code"] == "softphone_unavailable"
    assert "HOTLINE_SOFTPHONE_WS_URL" in response.json()["message"]
    page = client.get("/").text  # no softphone panel on the console of a centre without it
    assert 'id="softphone"' not in page and "jssip" not in page

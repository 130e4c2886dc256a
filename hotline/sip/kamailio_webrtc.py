"""The browser-softphone part of the Kamailio configuration: agents' consoles register over WebSocket, the
SIP workers call them, rtpengine converts the media.

- **WebSocket listener** (websocket + xhttp modules) on ``ws_port``; SIP over WebSocket per RFC 7118, the
  invalid ``*.invalid`` Contact/Via of browser UAs fixed with nathelper (alias parameters).
- **Registrar** (usrloc + registrar, in memory: a Kamailio restart means the consoles re-register, which
  JsSIP does by itself on reconnect). REGISTER is accepted only over WebSocket and only with ephemeral
  credentials (auth_ephemeral, Debian package ``kamailio-autheph-modules``): user ``<expiry>:<agent>``,
  password ``base64(HMAC-SHA1(secret, user))``, issued by the console to the signed-in agent
  (:mod:`hotline.sip.browser_phones`); the To user must be the agent in the credentials.
- **Agent calls**: an INVITE whose Request-URI user is a registered agent is relayed to that agent's
  browser, but only when it comes from a SIP worker's host (the dispatcher list, address match) over UDP:
  nobody else can ring an agent; browsers place no calls (a new request over WebSocket other than REGISTER
  gets 403). rtpengine (ng protocol) rewrites the offer to the WebRTC profile (UDP/TLS/RTP/SAVPF, ICE,
  DTLS, rtcp-mux) and the browser's answer back to plain RTP/AVP, so the worker's pjsua2 sees an ordinary
  G.711 call. Such dialogs carry ``webrtc=yes`` in the Record-Route so re-INVITEs (hold) and BYEs reach
  rtpengine too. An INVITE for a user who is not registered goes to the workers as before (they answer 404
  for anything but the hotline's numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_RTPENGINE = "127.0.0.1:22222"

# toward a browser: DTLS-SRTP with ICE and rtcp-mux, no SDES keys in the SDP (WebRTC uses DTLS only)
TO_BROWSER = ("replace-origin replace-session-connection ICE=force UDP/TLS/RTP/SAVPF rtcp-mux-offer "
              "generate-mid SDES-off")
# toward a SIP worker (pjsua2): plain RTP, no ICE, RTCP on its own port
TO_WORKER = "replace-origin replace-session-connection ICE=remove RTP/AVP rtcp-mux-demux"


@dataclass(frozen=True, slots=True)
class WebRtcOptions:
    ws_port: int
    rtpengine: str  # HOST:PORT of rtpengine's ng control socket
    secret: str  # shared with the console (HOTLINE_SOFTPHONE_SECRET)
    allowed_origins: tuple[str, ...] = ()  # browser Origin headers allowed to connect; empty: any

    def check(self, public_port: int) -> None:
        """Raise ValueError saying what to fix."""
        if self.ws_port == public_port:
            raise ValueError(f"--websocket-port {self.ws_port} is Kamailio's SIP port; pick another "
                             "(e.g. 8088)")
        host, sep, port = self.rtpengine.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError("--rtpengine expects HOST:PORT of rtpengine's --listen-ng, "
                             f"got {self.rtpengine!r}")
        if len(self.secret) < 16:
            raise ValueError("the softphone secret is missing or shorter than 16 characters: set "
                             "HOTLINE_SOFTPHONE_SECRET (the same for `hotline serve` and this command), "
                             "e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`")
        if any(c in self.secret for c in '"\\\n'):
            raise ValueError("HOTLINE_SOFTPHONE_SECRET must not contain quotes, backslashes or newlines")


def fragments(options: WebRtcOptions | None, *, listen: str, dispatcher_set: int) -> dict[str, str]:
    """Text for the slots of the main template (all empty without WebRTC)."""
    if options is None:
        return {key: "" for key in ("wr_globals", "wr_modules", "wr_nat", "wr_in_dialog", "wr_initial",
                                    "wr_routes")}
    origin_check = ""
    if options.allowed_origins:
        allowed = " && ".join(f'$hdr(Origin) != "{o}"' for o in options.allowed_origins)
        origin_check = (f'        if ({allowed}) {{\n'
                        '            xlog("L_WARN", "WebSocket from origin $hdr(Origin) refused\\n");\n'
                        '            xhttp_reply("403", "Forbidden", "", "");\n'
                        '            exit;\n'
                        '        }\n')
    host, _, port = options.rtpengine.rpartition(":")
    return {
        "wr_globals": _GLOBALS.format(listen=listen, ws_port=options.ws_port),
        "wr_modules": _MODULES.format(secret=options.secret, rtpengine=f"udp:{host}:{port}"),
        "wr_nat": _NAT,
        "wr_in_dialog": _IN_DIALOG,
        "wr_initial": _INITIAL.format(set=dispatcher_set),
        "wr_routes": _ROUTES.format(ws_port=options.ws_port, origin_check=origin_check,
                                    to_browser=TO_BROWSER, to_worker=TO_WORKER),
    }


_GLOBALS = """
# browser softphones: SIP over WebSocket (ws://{listen}:{ws_port}); TLS (wss://) in front, see README
listen=tcp:{listen}:{ws_port}
tcp_accept_no_cl=yes
tcp_connection_lifetime=3605
"""

_MODULES = """
loadmodule "xhttp.so"
loadmodule "websocket.so"
loadmodule "nathelper.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
loadmodule "auth_ephemeral.so"
loadmodule "rtpengine.so"

modparam("websocket", "keepalive_mechanism", 1)
modparam("websocket", "keepalive_interval", 5)
modparam("nathelper|registrar", "received_avp", "$avp(RECEIVED)")
modparam("usrloc", "db_mode", 0)
modparam("usrloc", "handle_lost_tcp", 1)  # a closed console (WebSocket gone) is no longer registered
modparam("usrloc", "close_expired_tcp", 1)
modparam("registrar", "max_expires", 3600)
modparam("registrar", "default_expires", 600)
debug=1  # auth_ephemeral logs the secret it is given at INFO: keep it out of the log
modparam("auth_ephemeral", "secret", "{secret}")
debug=2
modparam("rtpengine", "rtpengine_sock", "{rtpengine}")
modparam("rtpengine", "rtpengine_tout_ms", 2000)
"""

_NAT = """
    if (proto == WS || proto == WSS) {
        # a browser UA: its Via/Contact hosts are *.invalid; reply to the connection, alias the Contact
        force_rport();
        if (is_method("REGISTER")) {
            fix_nated_register();
        } else if (!add_contact_alias()) {
            sl_send_reply("400", "Bad Contact");
            exit;
        }
    }
"""

_IN_DIALOG = """
            handle_ruri_alias();
            if (check_route_param("webrtc=yes")) route(AGENT_MEDIA);
"""

_INITIAL = """
    if (is_method("REGISTER")) route(AGENT_REGISTER);
    if (proto == WS || proto == WSS) {{
        # consoles register and answer; they place no calls (a WebSocket is not authenticated per request,
        # and behind a TLS proxy every WebSocket comes from the proxy's, often the workers', address)
        sl_send_reply("403", "Consoles only answer calls");
        exit;
    }}
    if (is_method("INVITE") && lookup("location")) {{
        if (!ds_is_from_list("{set}", "3")) {{
            xlog("L_WARN", "INVITE for agent $rU from $si, not a SIP worker: 403\\n");
            send_reply("403", "Only the hotline calls agents");
            exit;
        }}
        route(AGENT_CALL);
    }}
"""

_ROUTES = """
event_route[xhttp:request] {{
    set_reply_close();
    set_reply_no_connect();
    if ($Rp != {ws_port}) {{
        xhttp_reply("403", "Forbidden", "", "");
        exit;
    }}
    if ($hdr(Upgrade) =~ "websocket" && $hdr(Connection) =~ "Upgrade" && $rm =~ "GET") {{
{origin_check}        if (ws_handle_handshake()) exit;
    }}
    xhttp_reply("404", "Not Found", "", "");
}}

route[AGENT_REGISTER] {{
    if (proto != WS && proto != WSS) {{
        sl_send_reply("403", "Agents register over WebSocket");
        exit;
    }}
    if (!autheph_check("$td")) {{
        auth_challenge("$td", "0");
        exit;
    }}
    if (!autheph_check_to()) {{
        xlog("L_WARN", "REGISTER for $tu with credentials of another agent: 403\\n");
        sl_send_reply("403", "Credentials are for another agent");
        exit;
    }}
    consume_credentials();
    if (!save("location")) sl_reply_error();
    exit;
}}

route[AGENT_CALL] {{
    # R-URI is now the browser's aliased Contact; $du the WebSocket connection it registered from
    record_route(";webrtc=yes");  # in-dialog requests of this call pass rtpengine too
    xlog("L_INFO", "INVITE for agent $tU from $si -> $du\\n");
    route(AGENT_MEDIA);
    t_on_reply("AGENT_REPLY");
    t_on_failure("AGENT_FAILED");
    if (!t_relay()) {{
        rtpengine_delete();
        sl_reply_error();
    }}
    exit;
}}

route[AGENT_MEDIA] {{
    # offers: toward a browser the WebRTC profile, toward a worker plain RTP; BYE/CANCEL end the session
    if (is_method("BYE|CANCEL")) {{
        rtpengine_delete();
        return;
    }}
    if (!is_method("INVITE") || !has_body("application/sdp")) return;
    if (proto == WS || proto == WSS) {{
        rtpengine_offer("{to_worker}");
    }} else {{
        rtpengine_offer("{to_browser}");
    }}
    t_on_reply("AGENT_REPLY");
}}

onreply_route[AGENT_REPLY] {{
    if (proto == WS || proto == WSS) add_contact_alias();
    if (has_body("application/sdp")) {{
        if (proto == WS || proto == WSS) {{
            rtpengine_answer("{to_worker}");
        }} else {{
            rtpengine_answer("{to_browser}");
        }}
    }}
}}

failure_route[AGENT_FAILED] {{
    rtpengine_delete();
}}
"""

"""A Kamailio configuration that spreads calls for 7812345 over several SIP workers (dispatcher module).

Selection: round-robin (dispatcher algorithm 4) with failover. Each worker holds at most 4 calls and answers
486 when full; Kamailio then tries the next worker (486, 408, 5xx or no reply within ``reply_timeout_ms``)
until one answers, and only when every worker refused does the caller hear 486 Busy Here. Round-robin is
chosen over the call-load algorithm (10) because load counting needs the dialog module to see every BYE; a
SIGKILLed worker never sends one, so its counters stay "full" until dialogs time out, while a refusal costs
only one loopback round trip. Health: an OPTIONS ping to every worker each ``ping_interval_s``; a worker
that does not answer (or times out on an INVITE) leaves the rotation and returns after one 2xx reply.

Signalling stays on Kamailio (record-route) so BYEs reach the right worker; media (RTP) flows directly
between the caller and the worker that answered (set [transport] public_address on workers behind NAT).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hotline.sip.kamailio_webrtc import WebRtcOptions, fragments

MODULES_DIR = "/usr/lib/x86_64-linux-gnu/kamailio/modules/"
DISPATCHER_SET = 1
ROUND_ROBIN = 4


@dataclass(frozen=True, slots=True)
class Worker:
    host: str
    port: int

    @property
    def uri(self) -> str:
        return f"sip:{self.host}:{self.port}"

    @classmethod
    def parse(cls, text: str) -> Worker:
        """'HOST:PORT' (e.g. 127.0.0.1:5070); raises ValueError saying what is expected."""
        host, sep, port = text.strip().rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"expected HOST:PORT such as 127.0.0.1:5070, got {text!r}")
        return cls(host, int(port))


def consecutive_workers(host: str, first_port: int, count: int) -> list[Worker]:
    """The workers `hotline serve --sip-workers N` starts: ports first_port .. first_port + N - 1."""
    return [Worker(host, first_port + i) for i in range(count)]


def dispatcher_list(workers: list[Worker]) -> str:
    lines = ["# setid destination flags priority attributes (written by `hotline sip kamailio-config`)"]
    for index, worker in enumerate(workers, 1):
        lines.append(f"{DISPATCHER_SET} {worker.uri} 0 0 duid=worker{index}")
    return "\n".join(lines) + "\n"


def kamailio_config(
    *,
    listen_address: str,
    public_port: int,
    list_path: Path,
    runtime_dir: Path,
    ping_interval_s: int = 2,
    reply_timeout_ms: int = 2000,
    children: int = 4,
    modules_dir: str = MODULES_DIR,
    webrtc: WebRtcOptions | None = None,
) -> str:
    """The kamailio.cfg text; ``list_path`` is the dispatcher list written beside it; ``webrtc`` adds the
    browser softphones (WebSocket, registrar, rtpengine: :mod:`hotline.sip.kamailio_webrtc`)."""
    return _TEMPLATE.format(
        listen=listen_address, port=public_port, list_path=list_path, runtime_dir=runtime_dir,
        ping=ping_interval_s, fr_timer=reply_timeout_ms, children=children, mpath=modules_dir,
        set=DISPATCHER_SET, alg=ROUND_ROBIN,
        **fragments(webrtc, listen=listen_address, dispatcher_set=DISPATCHER_SET),
    )


def check_workers(workers: list[Worker], listen_address: str, public_port: int) -> None:
    """Raise ValueError when the list is empty or a worker would sit on Kamailio's own port."""
    if not workers:
        raise ValueError("no workers: give --workers N or at least one --worker HOST:PORT")
    for worker in workers:
        if worker.port == public_port and worker.host in (listen_address, "0.0.0.0"):
            raise ValueError(f"worker {worker.host}:{worker.port} is on Kamailio's public port; give the "
                             "workers other ports ([transport] udp_port in sip.conf) or change --public-port")


def write_kamailio_config(out: Path, workers: list[Worker], *, listen_address: str, public_port: int,
                          ping_interval_s: int = 2, runtime_dir: Path | None = None,
                          webrtc: WebRtcOptions | None = None) -> tuple[Path, Path]:
    """Write OUT (kamailio.cfg) and OUT.dispatcher.list beside it; returns both paths."""
    check_workers(workers, listen_address, public_port)
    if webrtc is not None:
        webrtc.check(public_port)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    list_path = out.with_name(out.name + ".dispatcher.list")
    list_path.write_text(dispatcher_list(workers), encoding="utf-8")
    runtime = runtime_dir or out.parent / "kamailio-run"
    runtime.mkdir(parents=True, exist_ok=True)
    out.write_text(kamailio_config(listen_address=listen_address, public_port=public_port,
                                   list_path=list_path, runtime_dir=runtime.resolve(),
                                   ping_interval_s=ping_interval_s, webrtc=webrtc), encoding="utf-8")
    if webrtc is not None:
        out.chmod(0o600)  # it holds the softphone secret
    return out, list_path


_TEMPLATE = """#!KAMAILIO
# 7812345 hotline: SIP load balancer in front of the SIP workers. Written by `hotline sip kamailio-config`.
# Run: kamailio -f THIS_FILE -Y {runtime_dir} -DD -E   (foreground, logs to stderr; -Y: its runtime dir)

debug=2
log_stderror=no
memdbg=5
memlog=5
children={children}
auto_aliases=no
listen=udp:{listen}:{port}
enable_sctp=no
{wr_globals}
mpath="{mpath}"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "dispatcher.so"
{wr_modules}
# a worker that sends no reply at all within fr_timer is treated as dead for this call (failover)
modparam("tm", "fr_timer", {fr_timer})
modparam("tm", "fr_inv_timer", 60000)
modparam("rr", "enable_full_lr", 1)
modparam("rr", "append_fromtag", 1)

modparam("dispatcher", "list_file", "{list_path}")
modparam("dispatcher", "flags", 2)
modparam("dispatcher", "ds_ping_method", "OPTIONS")
modparam("dispatcher", "ds_ping_from", "sip:balancer@{listen}")
modparam("dispatcher", "ds_ping_interval", {ping})
modparam("dispatcher", "ds_probing_mode", 1)
modparam("dispatcher", "ds_probing_threshold", 1)
modparam("dispatcher", "ds_inactive_threshold", 1)
modparam("dispatcher", "ds_ping_reply_codes", "class=2")

request_route {{
    if (!mf_process_maxfwd_header("10")) {{
        sl_send_reply("483", "Too Many Hops");
        exit;
    }}
{wr_nat}    if (is_method("OPTIONS") && uri == myself && $rU == $null) {{
        sl_send_reply("200", "OK");
        exit;
    }}
    if (has_totag()) {{
        # in-dialog requests (ACK, BYE, re-INVITE, INFO) follow the record-route to the answering worker
        if (loose_route()) {{
{wr_in_dialog}            t_relay();
            exit;
        }}
        if (is_method("ACK")) {{
            if (t_check_trans()) t_relay();
            exit;
        }}
        sl_send_reply("404", "Not here");
        exit;
    }}
    if (is_method("CANCEL")) {{
        if (t_check_trans()) t_relay();
        exit;
    }}
    t_check_trans();  # a retransmission of a request in progress is absorbed here
{wr_initial}    if (!is_method("INVITE|OPTIONS|MESSAGE|INFO")) {{
        sl_send_reply("405", "Method Not Allowed");
        exit;
    }}
    if (is_method("INVITE")) record_route();
    if (!ds_select_dst("{set}", "{alg}")) {{
        xlog("L_WARN", "no SIP worker in rotation for $rU from $si: 503\\n");
        send_reply("503", "Service Unavailable");
        exit;
    }}
    xlog("L_INFO", "$rm $rU from $si:$sp -> $du\\n");
    t_on_failure("WORKER_FAILED");
    if (!t_relay()) sl_reply_error();
    exit;
}}

failure_route[WORKER_FAILED] {{
    if (t_is_canceled()) exit;
    if (t_branch_timeout() || t_check_status("408")) {{
        xlog("L_WARN", "worker $du did not answer: out of rotation until it replies to OPTIONS\\n");
        ds_mark_dst("ip");
    }} else if (!t_check_status("486|5[0-9][0-9]")) {{
        exit;  # any other final reply (404, 603, ...) goes to the caller as it is
    }}
    if (ds_next_dst()) {{
        xlog("L_INFO", "$rm $rU: next worker $du\\n");
        t_on_failure("WORKER_FAILED");
        t_relay();
        exit;
    }}
    xlog("L_WARN", "$rm $rU from $si: every worker busy or down: 486\\n");
    t_reply("486", "Busy Here");
}}
{wr_routes}"""

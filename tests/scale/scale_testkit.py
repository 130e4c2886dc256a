"""Helpers for the scale tests: `hotline serve` nodes, a real Kamailio and sipp callers on loopback."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from testkit.ports import free_port_block, free_tcp_port, free_udp_range

REPO = Path(__file__).resolve().parents[2]
SIPP_SCENARIO = Path(__file__).with_name("sipp_uac_via_proxy.xml")
KAMAILIO = "/usr/sbin/kamailio"
G711A_PCAP = Path("/usr/share/sip-tester/g711a.pcap")

needs_kamailio_and_sipp = pytest.mark.skipif(
    not (Path(KAMAILIO).exists() and shutil.which("sipp") and os.geteuid() == 0),
    reason="needs /usr/sbin/kamailio, sipp and root (sipp plays RTP from a pcap with raw sockets)",
)


def write_sip_conf(directory: Path, first_port: int, workers: int) -> Path:
    """sip.conf for a node whose N workers (and its own callback endpoint) sit on consecutive ports."""
    rtp_count = 40
    text = (f"[transport]\nbind_address = 127.0.0.1\nudp_port = {first_port}\ntcp_port = {first_port}\n"
            f"rtp_port_start = {free_udp_range(rtp_count * (workers + 1))}\nrtp_port_count = {rtp_count}\n"
            "[recording]\ndirectory = recordings\nretention_days = 0\n"
            "[limits]\nsilence_timeout = 60\nmax_call_length = 120\n")
    path = directory / "sip.conf"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Node:
    """A `hotline serve` process (its own data dir, web port and SIP ports)."""

    proc: subprocess.Popen
    directory: Path
    web_port: int
    first_sip_port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def health(self) -> dict:
        return httpx.get(f"{self.url}/healthz", timeout=10).json()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-8000:]

    def wait_healthy(self, workers_up: str | None, timeout: float = 150) -> dict:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"hotline serve exited with {self.proc.returncode}\n{self.log()}")
            try:
                last = self.health()
                if workers_up is None or last.get("sip_workers") == workers_up:
                    return last
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        pytest.fail(f"node not healthy in {timeout:.0f} s (last /healthz {last})\n{self.log()}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def node_env(directory: Path, database_url: str, sip_conf: Path, model_dir: Path | None = None
             ) -> dict[str, str]:
    """The node's environment; without ``model_dir`` its workers run without a Vosk model."""
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": str(REPO) + os.pathsep + env.get("PYTHONPATH", ""), "PYTHONUNBUFFERED": "1",
        "HOTLINE_ENV": "test", "HOTLINE_DATA_DIR": str(directory / "var"),
        "HOTLINE_DATABASE_URL": database_url, "HOTLINE_SIP_CONFIG": str(sip_conf),
        "HOTLINE_VOSK_MODEL": str(model_dir or directory / "no-model"),
        "HOTLINE_SECRET_KEY": "scale-test-secret-key-0123456789", "HOTLINE_LOG_LEVEL": "INFO",
    })
    return env


def start_node(directory: Path, database_url: str, *, workers: int = 1, name: str = "",
               model_dir: Path | None = None) -> Node:
    directory.mkdir(parents=True, exist_ok=True)
    first = free_port_block(workers + 1)
    sip_conf = write_sip_conf(directory, first, workers)
    web_port = free_tcp_port()
    log_path = directory / "serve.log"
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hotline", "serve", "--port", str(web_port), "--sip-workers", str(workers),
             *(["--node-name", name] if name else [])],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=directory,
            env=node_env(directory, database_url, sip_conf, model_dir))
    return Node(proc, directory, web_port, first, log_path)


@dataclass
class Kamailio:
    proc: subprocess.Popen
    port: int
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-6000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_kamailio(directory: Path, workers: list[str], env: dict[str, str],
                   extra_args: tuple[str, ...] = ()) -> Kamailio:
    """`hotline sip kamailio-config --worker ... EXTRA_ARGS`, then kamailio in the foreground (free port)."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port_block(1)
    cfg = directory / "kamailio.cfg"
    args = [sys.executable, "-m", "hotline", "sip", "kamailio-config", "--public-port", str(port),
            "--listen", "127.0.0.1", "--ping-interval", "1", "--out", str(cfg), *extra_args]
    for worker in workers:
        args += ["--worker", worker]
    written = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)
    assert written.returncode == 0, written.stderr
    log_path = directory / "kamailio.log"
    with open(log_path, "w", encoding="utf-8") as log:
        command = [KAMAILIO, "-f", str(cfg), "-Y", str(directory / "kamailio-run"), "-DD", "-E"]
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    kamailio = Kamailio(proc, port, log_path)
    time.sleep(3)  # started, and a first OPTIONS round (ping interval 1 s) has reached every worker
    if proc.poll() is not None:
        pytest.fail(f"kamailio did not start\n{kamailio.log()}")
    return kamailio


def run_sipp(workdir: Path, kamailio_port: int, *, calls: int, hold_ms: int, rate: float,
             background: bool = False, timeout: float = 120):
    """sipp places ``calls`` calls (``rate`` per second) through Kamailio, each sending RTP for hold_ms."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "pcap").mkdir(exist_ok=True)
    if not (workdir / "pcap" / G711A_PCAP.name).exists():
        (workdir / "pcap" / G711A_PCAP.name).symlink_to(G711A_PCAP)
    args = ["sipp", "-sf", str(SIPP_SCENARIO), "-s", "7812345", f"127.0.0.1:{kamailio_port}",
            "-i", "127.0.0.1", "-p", str(free_port_block(1, 29000, 30000)),
            "-mp", str(free_udp_range(4 * calls)), "-m", str(calls), "-l", str(calls), "-r", str(rate),
            "-d", str(hold_ms), "-timeout", f"{timeout:.0f}s",
            "-timeout_error", "-nostdin", "-trace_stat", "-stf", str(workdir / "stats.csv")]
    proc = subprocess.Popen(args, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if background:
        return proc
    out, _ = proc.communicate(timeout=timeout + 30)
    return proc.returncode, out


def sipp_counts(output: str) -> tuple[int, int]:
    """(successful, failed) calls from sipp's final screen."""
    def total(label: str) -> int:
        lines = [line for line in output.splitlines() if line.strip().startswith(label)]
        return int(lines[-1].split("|")[2].strip()) if lines else -1

    return total("Successful call"), total("Failed call")


PASSWORD = "Correct-Horse-42"


def signed_in_agent(engine, base_url: str, username: str = "agent_scale") -> httpx.Client:
    """Commit an agent account and sign it in on ``base_url`` through the login form."""
    from sqlalchemy.orm import Session

    from hotline.accounts.passwords import hash_password
    from hotline.models import Role, User

    with Session(engine) as session:
        session.add(User(username=username, display_name="压力测试坐席", role=Role.agent,
                         password_hash=hash_password(PASSWORD), must_change_password=False,
                         failed_logins=0, active=True))
        session.commit()
    client = httpx.Client(base_url=base_url, timeout=30)
    page = client.get("/login")
    token = re.search(r'name="form_token" value="([0-9a-f]+)"', page.text).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "form_token": token})
    assert response.status_code == 303, response.text[:500]
    return client


def read_sse(client: httpx.Client, kinds: set[str], seen: list[dict], stop) -> None:
    """Collect events of ``kinds`` from /api/events into ``seen`` until ``stop`` is set."""
    try:
        with client.stream("GET", "/api/events", timeout=httpx.Timeout(10, read=None)) as response:
            kind = None
            for line in response.iter_lines():
                if stop.is_set():
                    return
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind in kinds:
                    seen.append(json.loads(line[6:]))
    except (httpx.HTTPError, RuntimeError):  # the test closed the client: the stream ends
        return

"""Transfers and supervision over real SIP on loopback with baresip phones (agents, a department, a
supervisor): the department's side of a transferred call is transcribed by Vosk and stored as 部门; an
announced transfer hands the caller to a second agent; a supervisor's whisper reaches the agent only and
barge reaches both sides."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
from agent_testkit import create_agent, loud_seconds, padded, start_desk_phone
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from testkit.databases import migrated_engine

from hotline.agents.presence import set_presence, set_profile
from hotline.agents.transfers import request_step, request_supervision, request_transfer
from hotline.db import make_session_factory, unit_of_work
from hotline.models import (
    AgentProfile,
    AgentState,
    Call,
    Case,
    Department,
    QueueEntry,
    QueueEvent,
    Role,
    User,
    utcnow,
)
from tests.calls.call_testkit import KO_SENTENCES, ko_model_dir, need_tool, start_pipeline, write_speech
from tests.sip.sip_testkit import subprocess_env, wav_levels, wav_seconds

pytestmark = [pytest.mark.sip, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("baresip") is None, reason="baresip is not installed")]


def dial(line, number: str, seconds: int, play=None, record=None) -> subprocess.Popen:
    argv = ["python3", "-m", "hotline", "call", line.uri, "--dtmf", "1", "--hangup-after", str(seconds),
            "--from", number]
    if play is not None:
        argv += ["--play", str(play)]
    if record is not None:
        argv += ["--record", str(record)]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=subprocess_env())


def stop_all(line, *procs) -> None:
    for proc in procs:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert line.stop() == 0, line.log()


def wait_log(line, text: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while text not in line.log(40000):
        assert time.monotonic() < deadline, f"{text!r} not in the log:\n{line.log()}"
        time.sleep(0.2)


@pytest.mark.vosk
def test_the_department_side_of_a_blind_transfer_is_transcribed_and_stored_as_department(tmp_path):
    need_tool("espeak-ng")
    model_dir = ko_model_dir()
    url = f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
    engine = migrated_engine(url)
    factory = make_session_factory(engine)
    (tmp_path / "speech").mkdir()
    ko = write_speech(tmp_path / "speech" / "ko.wav", KO_SENTENCES, lead_s=0.1, tail_s=0.1)
    agent_wav = padded(tmp_path / "speech" / "agent.wav", ko, lead_s=1, total_s=60)
    with factory() as session:
        department = session.scalar(select(Department).where(Department.phone.is_not(None)))
        department_id, number = department.id, "".join(c for c in department.phone if c.isdigit())
    dept_wav = padded(tmp_path / "speech" / "dept.wav", ko, lead_s=2, total_s=60)
    phone, phone_port = start_desk_phone(tmp_path / "agent_phone", agent_wav)
    dept, dept_port = start_desk_phone(tmp_path / "dept_phone", dept_wav, user=number)
    line = start_pipeline(tmp_path / "line", url, model=model_dir, agent_queue=True, pool_size=3,
                          queue={"ring_timeout": 10, "wrap_up": 30,
                                 "transfer_uri": f"sip:{{number}}@127.0.0.1:{dept_port}"})
    caller = None
    try:
        with unit_of_work(factory) as session:
            agent_id = create_agent(session, name="agent1", phone_uri=f"sip:agent1@127.0.0.1:{phone_port}",
                                    ready_at=None).id
            set_presence(session, user_id=agent_id, state=AgentState.ready, now=utcnow())
        caller = dial(line, "13800000091", 20 + int(2 * wav_seconds(ko)))
        line.wait_for("call.agent_connected", timeout=30)
        time.sleep(1 + wav_seconds(ko) + 1)  # the agent's sentences first
        with unit_of_work(factory) as session:
            request_transfer(session, agent_id=agent_id, target="department", department_id=department_id,
                             now=utcnow())
        line.wait_for("call.party_ringing", timeout=15)
        out, err = caller.communicate(timeout=90)
        assert caller.returncode == 0, out + err
        line.wait_for("case.created", timeout=90)
    finally:
        stop_all(line, caller, phone, dept)
    assert f"transferred by agent {agent_id} to sip:{number}@127.0.0.1:{dept_port}" in line.log(40000)
    with factory() as session:
        entry = session.scalar(select(QueueEntry))
        call = session.get(Call, entry.call_id, options=[selectinload(Call.utterances)])
        spoken = [(u.speaker, u.start_s) for u in call.utterances]
        assert {"agent", "department"} <= {s for s, _ in spoken}, spoken
        first_department = min(t for s, t in spoken if s == "department")
        assert first_department > max(t for s, t in spoken if s == "agent"), spoken  # on the call's time line
        case = session.scalar(select(Case).where(Case.call_id == call.id))
        assert "部门：" in case.content and "坐席：" in case.content
    recordings = list((tmp_path / "line").rglob("*.wav"))
    assert len([r for r in recordings if "recordings" in str(r)]) >= 3, recordings  # caller, agent, dept
    engine.dispose()


def _two_agents(tmp_path, second_speaks_at: float):
    """A pipeline with the agent queue, a ready first agent on a silent desk phone, and a second desk phone
    (not yet an agent) that speaks ``second_speaks_at`` seconds into its leg."""
    url = f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
    engine = migrated_engine(url)
    factory = make_session_factory(engine)
    (tmp_path / "speech").mkdir()
    ko = write_speech(tmp_path / "speech" / "ko.wav", KO_SENTENCES[:1], lead_s=0.1, tail_s=0.1)
    silent = padded(tmp_path / "speech" / "silent.wav", ko, lead_s=90, total_s=90)
    second_wav = padded(tmp_path / "speech" / "second.wav", ko, lead_s=second_speaks_at, total_s=60)
    first_phone, first_port = start_desk_phone(tmp_path / "first_phone", silent)
    second_phone, second_port = start_desk_phone(tmp_path / "second_phone", second_wav, user="agent2")
    line = start_pipeline(tmp_path / "line", url, model=None, agent_queue=True,
                          queue={"ring_timeout": 10, "wrap_up": 30})
    with unit_of_work(factory) as session:
        first = create_agent(session, name="agent1", phone_uri=f"sip:agent1@127.0.0.1:{first_port}",
                             ready_at=None).id
        set_presence(session, user_id=first, state=AgentState.ready, now=utcnow())
    return engine, factory, line, first, (first_phone, second_phone, second_port, ko)


def test_announced_transfer_hands_the_caller_to_a_second_agent(tmp_path):
    # the second agent speaks 14 s into their leg: after the first agent completed the transfer
    engine, factory, line, first, (first_phone, second_phone, second_port, ko) = _two_agents(tmp_path, 14)
    caller = None
    heard = tmp_path / "caller_heard.wav"
    try:
        caller = dial(line, "13800000092", 40, record=heard)
        [connected] = line.wait_for("call.agent_connected", timeout=30)
        [started] = line.wait_for("call.started")
        with unit_of_work(factory) as session:
            second = create_agent(session, name="agent2", phone_uri=f"sip:agent2@127.0.0.1:{second_port}",
                                  ready_at=None).id
            set_presence(session, user_id=second, state=AgentState.ready, now=utcnow())
        with unit_of_work(factory) as session:
            request_transfer(session, agent_id=first, target="agent", to_agent=second, announced=True,
                             now=utcnow())
        wait_log(line, f"agent {first} talks with agent {second}")
        consult_at = time.monotonic()
        with factory() as session:
            assert session.get(AgentProfile, second).state is AgentState.on_call
        time.sleep(2)
        with unit_of_work(factory) as session:
            request_step(session, agent_id=first, step="complete", now=utcnow())
        wait_log(line, "announced transfer by agent")
        handed_at = time.monotonic() - consult_at
        out, err = caller.communicate(timeout=60)
        assert caller.returncode == 0, out + err
    finally:
        stop_all(line, caller, first_phone, second_phone)
    with factory() as session:
        entry = session.scalar(select(QueueEntry))
        assert entry.agent_id == second and entry.state.value == "ended"
        assert session.get(AgentProfile, first).state in (AgentState.wrap_up, AgentState.ready)
        kinds = [(e.kind, e.agent_id) for e in session.scalars(select(QueueEvent).order_by(QueueEvent.id))]
        assert ("transferred", first) in kinds and ("connected", second) in kinds, kinds
    # the second agent's sentence (14 s into their leg, after the hand-over) reaches the caller
    levels = wav_levels(heard)
    assert handed_at < 12
    after = connected["t"] - started["t"] + 10
    assert loud_seconds(levels, after, len(levels) / 10) > 0.5 * wav_seconds(ko), levels
    engine.dispose()


def test_supervisor_whisper_reaches_the_agent_only_and_barge_reaches_both(tmp_path):
    url = f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
    engine = migrated_engine(url)
    factory = make_session_factory(engine)
    (tmp_path / "speech").mkdir()
    ko = write_speech(tmp_path / "speech" / "ko.wav", KO_SENTENCES[:1], lead_s=0.1, tail_s=0.1)
    spoken = wav_seconds(ko)
    silent = padded(tmp_path / "speech" / "silent.wav", ko, lead_s=90, total_s=90)
    # the supervisor says the sentence 5 s into their leg (whisper) and again ~20 s in (after barge)
    two = write_speech(tmp_path / "speech" / "two.wav", KO_SENTENCES[:1] * 2, lead_s=0.1, gap_s=15 - spoken,
                       tail_s=0.1)
    twice = padded(tmp_path / "speech" / "twice.wav", two, lead_s=5, total_s=60)
    phone, phone_port = start_desk_phone(tmp_path / "agent_phone", silent)
    ear, ear_port = start_desk_phone(tmp_path / "supervisor_phone", twice, user="leader")
    line = start_pipeline(tmp_path / "line", url, model=None, agent_queue=True, queue={"ring_timeout": 10})
    heard = tmp_path / "caller_heard.wav"
    caller = None
    try:
        with unit_of_work(factory) as session:
            agent = create_agent(session, name="agent1", phone_uri=f"sip:agent1@127.0.0.1:{phone_port}",
                                 ready_at=None).id
            set_presence(session, user_id=agent, state=AgentState.ready, now=utcnow())
            leader = User(username="leader", display_name="班长", role=Role.supervisor, password_hash="x")
            session.add(leader)
            session.flush()
            set_profile(session, user_id=leader.id, phone_uri=f"sip:leader@127.0.0.1:{ear_port}",
                        languages=["zh"])
            leader_id = leader.id
        caller = dial(line, "13800000093", 45, record=heard)
        [started] = line.wait_for("call.started", timeout=30)
        [connected] = line.wait_for("call.agent_connected", timeout=30)
        with unit_of_work(factory) as session:
            request_supervision(session, supervisor_id=leader_id, call_id=connected["call_id"],
                                mode="whisper", now=utcnow())
        wait_log(line, "the supervisor's mode is whisper")
        joined = time.monotonic()
        time.sleep(12)  # the whispered sentence (5 s into the supervisor's leg) is over
        with unit_of_work(factory) as session:
            request_supervision(session, supervisor_id=leader_id, call_id=connected["call_id"], mode="barge",
                                now=utcnow())
        wait_log(line, "the supervisor's mode is barge")
        barged = time.monotonic() - joined
        out, err = caller.communicate(timeout=60)
        assert caller.returncode == 0, out + err
    finally:
        stop_all(line, caller, phone, ear)
    assert barged < 16  # before the second sentence (20 s into the supervisor's leg)
    # the agent's phone hears both sentences; the caller only the second (barge)
    [agent_heard] = (tmp_path / "agent_phone" / "dump").glob("*-dec.wav")
    assert loud_seconds(wav_levels(agent_heard), 0, 120) > 1.2 * spoken  # more than one sentence
    caller_levels = wav_levels(heard)
    joined_at = connected["t"] - started["t"]  # the supervisor joins a moment after this
    assert loud_seconds(caller_levels, joined_at, joined_at + 12) < 0.5, caller_levels
    assert loud_seconds(caller_levels, joined_at + 12, len(caller_levels) / 10) > 0.5 * spoken, caller_levels
    engine.dispose()



def test_blind_transfer_to_another_agent_rings_their_phone_and_the_caller_hears_them(tmp_path):
    engine, factory, line, first, (first_phone, second_phone, second_port, ko) = _two_agents(tmp_path, 2)
    caller = None
    heard = tmp_path / "caller_heard.wav"
    try:
        caller = dial(line, "13800000094", 30, record=heard)
        line.wait_for("call.agent_connected", timeout=30)
        [started] = line.wait_for("call.started")
        with unit_of_work(factory) as session:
            second = create_agent(session, name="agent2", phone_uri=f"sip:agent2@127.0.0.1:{second_port}",
                                  ready_at=None).id
            set_presence(session, user_id=second, state=AgentState.ready, now=utcnow())
        with unit_of_work(factory) as session:
            request_transfer(session, agent_id=first, target="agent", to_agent=second, now=utcnow())
        [taken] = line.wait_for("call.agent_connected", count=2, timeout=30)[1:]
        out, err = caller.communicate(timeout=60)
        assert caller.returncode == 0, out + err
    finally:
        stop_all(line, caller, first_phone, second_phone)
    assert taken["agent_id"] == second
    with factory() as session:
        entry = session.scalar(select(QueueEntry))
        assert entry.agent_id == second and entry.state.value == "ended"
        kinds = [(e.kind, e.agent_id) for e in session.scalars(select(QueueEvent).order_by(QueueEvent.id))]
        assert kinds.index(("transferred", first)) < kinds.index(("connected", second)), kinds
    # the second agent's sentence (2 s into their leg) reaches the caller
    levels = wav_levels(heard)
    at = taken["t"] - started["t"]
    assert loud_seconds(levels, at + 1, at + 3 + wav_seconds(ko)) > 0.5 * wav_seconds(ko), levels
    engine.dispose()

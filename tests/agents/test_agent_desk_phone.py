"""End to end over real SIP on loopback: a caller dials 7812345 and chooses 1, waits in the queue hearing
music, the agent sets 置闲, their baresip desk phone rings and answers, both legs are bridged in the
endpoint's conference bridge, audio flows both ways (energy measured at each party), both sides are
transcribed by Vosk, and the case carries the 市民 and 坐席 utterances."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
from agent_testkit import create_agent, loud_seconds, padded, start_desk_phone
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from testkit.databases import migrated_engine

from hotline.agents.call_queue import request_command, request_listen
from hotline.agents.presence import set_presence, set_profile
from hotline.db import make_session_factory, unit_of_work
from hotline.models import (
    AgentProfile,
    AgentState,
    Call,
    Case,
    Department,
    QueueEntry,
    QueueEntryState,
    Role,
    User,
    Utterance,
    utcnow,
)
from tests.calls.call_testkit import (
    KO_SENTENCES,
    ko_model_dir,
    need_tool,
    start_pipeline,
    write_speech,
)
from tests.sip.sip_testkit import free_rtp_start, free_sip_port, subprocess_env, wav_levels, wav_seconds

pytestmark = [pytest.mark.sip, pytest.mark.vosk, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("baresip") is None, reason="baresip is not installed")]


def test_caller_waits_with_music_agent_desk_phone_answers_both_sides_heard_and_transcribed(tmp_path):
    need_tool("espeak-ng")
    model_dir = ko_model_dir()
    url = f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
    engine = migrated_engine(url)
    factory = make_session_factory(engine)
    speech = tmp_path / "speech"
    speech.mkdir()
    ko = write_speech(speech / "ko.wav", KO_SENTENCES, lead_s=0.1, tail_s=0.1)
    caller_wav = padded(speech / "caller.wav", ko, lead_s=18, total_s=27)
    agent_wav = padded(speech / "agent.wav", ko, lead_s=1.5, total_s=28)  # baresip hangs up at its end
    phone, phone_port = start_desk_phone(tmp_path / "desk_phone", agent_wav)
    line = start_pipeline(tmp_path / "line", url, model=model_dir, agent_queue=True, pool_size=2,
                          queue={"ring_timeout": 10, "max_wait": 90, "announce_every": 8, "wrap_up": 3})
    line.engine = engine
    caller = None
    try:
        with unit_of_work(factory) as session:
            agent = create_agent(session, name="agent1", ready_at=None,
                                 phone_uri=f"sip:agent1@127.0.0.1:{phone_port}")
            set_presence(session, user_id=agent.id, state=AgentState.not_ready, reason="小休", now=utcnow())
            agent_id = agent.id
        heard = tmp_path / "caller_heard.wav"
        caller = subprocess.Popen(
            ["python3", "-m", "hotline", "call", line.uri, "--play", str(caller_wav), "--dtmf", "1",
             "--record", str(heard), "--hangup-after", "60", "--from", "13800000099"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=subprocess_env())
        [entered] = line.wait_for("queue.entered", timeout=30)
        time.sleep(4)  # music and the position announcement
        with unit_of_work(factory) as session:  # BEGIN IMMEDIATE: the endpoint writes to the same SQLite file
            assert session.scalar(select(QueueEntry.state)) is QueueEntryState.waiting
            set_presence(session, user_id=agent_id, state=AgentState.ready, now=utcnow())
        [connected] = line.wait_for("call.agent_connected", timeout=30)
        [started] = line.wait_for("call.started")
        out, err = caller.communicate(timeout=90)
        assert caller.returncode == 0, out + err
        line.wait_for("case.created", timeout=90)
    finally:
        if caller is not None and caller.poll() is None:
            caller.kill()
        phone.terminate()
        phone.wait(10)
        assert line.stop() == 0, line.log()

    bridged_at = connected["t"] - started["t"]  # seconds into the caller's call
    # the desk phone shows who is calling: the citizen's number, not 7812345
    assert "answering call on line 1 from sip:13800000099@127.0.0.1" in (
        tmp_path / "desk_phone" / "baresip.log").read_text(errors="replace")
    [agent_heard] = (tmp_path / "desk_phone" / "dump").glob("*-dec.wav")
    caller_levels, agent_levels = wav_levels(heard), wav_levels(agent_heard)
    assert loud_seconds(caller_levels, entered["t"] - started["t"] + 1, bridged_at) > 2, "hold music"
    # the agent's speech (1.5 s into the agent leg) reaches the caller; the music stopped at the bridge
    spoken = wav_seconds(ko)
    assert loud_seconds(caller_levels, bridged_at + 1, bridged_at + 2 + spoken) > 2.0, caller_levels
    assert loud_seconds(caller_levels, bridged_at + 2.5 + spoken, bridged_at + 6 + spoken) < 0.5
    # the caller's speech (18 s into the call) reaches the agent's phone, nothing before it
    agent_offset = 18 - bridged_at
    assert loud_seconds(agent_levels, agent_offset, agent_offset + 8) > 2.0, agent_levels
    assert loud_seconds(agent_levels, 0, max(0.0, agent_offset - 1)) < 0.5

    with factory() as session:
        entry = session.scalar(select(QueueEntry))
        assert entry.state is QueueEntryState.ended and entry.agent_id == agent_id and entry.wait_s > 4
        assert session.get(AgentProfile, agent_id).state in (AgentState.wrap_up, AgentState.ready)
        call = session.get(Call, entry.call_id, options=[selectinload(Call.utterances)])
        said = list(session.scalars(select(Utterance).where(Utterance.call_id == call.id)))
        speakers = {u.speaker for u in said}
        assert speakers == {"citizen", "agent"}, [(u.speaker, u.text) for u in said]
        case = session.scalar(select(Case).where(Case.call_id == call.id))
        assert "市民：" in case.content and "坐席：" in case.content
    engine.dispose()


def test_agent_transfers_the_call_blind_to_a_department_number_that_a_sipp_uas_answers(tmp_path):
    need_tool("sipp")
    url = f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
    engine = migrated_engine(url)
    factory = make_session_factory(engine)
    (tmp_path / "speech").mkdir()
    speech = write_speech(tmp_path / "speech" / "ko.wav", KO_SENTENCES[:1])
    agent_wav = padded(tmp_path / "speech" / "agent.wav", speech, lead_s=1, total_s=60)
    phone, phone_port = start_desk_phone(tmp_path / "desk_phone", agent_wav)
    uas_port = free_sip_port()
    with (tmp_path / "sipp.log").open("w") as log:
        uas = subprocess.Popen(["sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(uas_port), "-mp",
                                str(free_rtp_start()), "-m", "1", "-timeout", "90s", "-nostdin"],
                               cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    line = start_pipeline(tmp_path / "line", url, model=None, agent_queue=True,
                          queue={"ring_timeout": 10, "wrap_up": 30,
                                 "transfer_uri": f"sip:{{number}}@127.0.0.1:{uas_port}"})
    caller = None
    try:
        with unit_of_work(factory) as session:
            agent = create_agent(session, name="agent1", phone_uri=f"sip:agent1@127.0.0.1:{phone_port}",
                                 ready_at=None)
            set_presence(session, user_id=agent.id, state=AgentState.ready, now=utcnow())
            agent_id = agent.id
            department = session.scalar(select(Department).where(Department.phone.is_not(None)))
            department_id, number = department.id, "".join(c for c in department.phone if c.isdigit())
        caller = subprocess.Popen(
            ["python3", "-m", "hotline", "call", line.uri, "--dtmf", "1", "--hangup-after", "25",
             "--from", "13800000098"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=subprocess_env())
        line.wait_for("call.agent_connected", timeout=30)
        with unit_of_work(factory) as session:
            request_command(session, agent_id=agent_id, command="transfer", department_id=department_id,
                            now=utcnow())
        line.wait_for("call.agent_gone", timeout=15)
        out, err = caller.communicate(timeout=60)
        assert caller.returncode == 0, out + err
        assert uas.wait(30) == 0, (tmp_path / "sipp.log").read_text()[-3000:]  # answered, then our BYE
        line.wait_for("case.created", timeout=60)
    finally:
        for proc in (caller, uas):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        phone.terminate()
        phone.wait(10)
        assert line.stop() == 0, line.log()
    assert f"transferred by agent {agent_id} to sip:{number}@127.0.0.1:{uas_port}" in line.log(20000)
    with factory() as session:
        entry = session.scalar(select(QueueEntry))
        assert entry.state is QueueEntryState.ended and entry.agent_id == agent_id
        assert session.get(AgentProfile, agent_id).state is AgentState.wrap_up
    engine.dispose()


def test_supervisor_listening_in_hears_the_caller_and_the_agent(tmp_path):
    url = f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
    engine = migrated_engine(url)
    factory = make_session_factory(engine)
    (tmp_path / "speech").mkdir()
    ko = write_speech(tmp_path / "speech" / "ko.wav", KO_SENTENCES[:1], lead_s=0.1, tail_s=0.1)
    spoken = wav_seconds(ko)
    # the agent speaks 6 s into their leg; the caller 22 s into the call (after the supervisor joined)
    agent_wav = padded(tmp_path / "speech" / "agent.wav", ko, lead_s=6, total_s=45)
    caller_wav = padded(tmp_path / "speech" / "caller.wav", ko, lead_s=22, total_s=40)
    silent = padded(tmp_path / "speech" / "silent.wav", ko, lead_s=60, total_s=60)
    phone, phone_port = start_desk_phone(tmp_path / "desk_phone", agent_wav)
    ear, ear_port = start_desk_phone(tmp_path / "supervisor_phone", silent, user="leader")
    line = start_pipeline(tmp_path / "line", url, model=None, agent_queue=True, queue={"ring_timeout": 10})
    caller = None
    try:
        with unit_of_work(factory) as session:
            agent = create_agent(session, name="agent1", phone_uri=f"sip:agent1@127.0.0.1:{phone_port}",
                                 ready_at=None)
            set_presence(session, user_id=agent.id, state=AgentState.ready, now=utcnow())
            leader = User(username="leader", display_name="班长", role=Role.supervisor, password_hash="x")
            session.add(leader)
            session.flush()
            set_profile(session, user_id=leader.id, phone_uri=f"sip:leader@127.0.0.1:{ear_port}",
                        languages=["zh"])
            leader_id = leader.id
        caller = subprocess.Popen(
            ["python3", "-m", "hotline", "call", line.uri, "--play", str(caller_wav), "--dtmf", "1",
             "--hangup-after", "36", "--from", "13800000097"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=subprocess_env())
        [connected] = line.wait_for("call.agent_connected", timeout=30)
        with unit_of_work(factory) as session:
            request_listen(session, supervisor_id=leader_id, call_id=connected["call_id"], now=utcnow())
        deadline = time.monotonic() + 15
        while "a supervisor is listening in" not in line.log(20000) and time.monotonic() < deadline:
            time.sleep(0.2)
        out, err = caller.communicate(timeout=60)
        assert caller.returncode == 0, out + err
    finally:
        if caller is not None and caller.poll() is None:
            caller.kill()
        for proc in (phone, ear):
            proc.terminate()
            proc.wait(10)
        assert line.stop() == 0, line.log()
    assert "a supervisor is listening in" in line.log(20000)
    [heard] = (tmp_path / "supervisor_phone" / "dump").glob("*-dec.wav")
    levels = wav_levels(heard)
    # the agent speaks ~6 s after the bridge and the caller ~19 s after it, both after the supervisor joined:
    # two separate bursts of speech (loud 100 ms windows, gaps under 1.5 s merged), each most of a sentence
    bursts: list[list[int]] = []
    for i, level in enumerate(levels):
        if level > -35:
            if bursts and i - bursts[-1][-1] <= 15:
                bursts[-1].append(i)
            else:
                bursts.append([i])
    long_bursts = [b for b in bursts if len(b) * 0.1 > 0.5 * spoken]
    assert len(long_bursts) == 2 and long_bursts[1][0] - long_bursts[0][-1] > 50, bursts
    engine.dispose()

"""`hotline callbacks run|schedule|list|opt-out|opt-in`: the satisfaction-callback scheduler and its list.

`run` is a standalone scheduler process (any number may run against one database: claims are conditional
UPDATEs). With --sip-config it dials through its own pjsua2 endpoint; with --fake-dialer-log it answers
"1" to every call and logs each dial to a file (drills, load tests, multi-process tests).
"""

from __future__ import annotations

import logging
import signal
import threading
import time as time_module
from datetime import datetime, time, timedelta
from pathlib import Path

import typer

app = typer.Typer(help="Satisfaction callbacks (回访)", no_args_is_help=True)


def _factory(database_url: str | None):
    from hotline.cli.common import engine_for, settings_or_exit
    from hotline.db import make_engine, make_session_factory

    if database_url:
        return make_session_factory(make_engine(database_url))
    return make_session_factory(engine_for(settings_or_exit()))


def _quiet(raw: str) -> tuple[time, time]:
    try:
        start, end = (time.fromisoformat(part.strip()) for part in raw.split("-"))
    except ValueError:
        raise typer.BadParameter(f"expected HH:MM-HH:MM such as 21:00-08:00, got {raw!r}") from None
    return start, end


def _policy(**kw):
    from callbacks.policy import CallbackPolicy, PolicyError

    start, end = _quiet(kw.pop("quiet"))
    try:
        minutes = tuple(float(m) for m in kw.pop("retry_minutes").split(",") if m.strip())
    except ValueError:
        raise typer.BadParameter("--retry-minutes: comma-separated minutes such as 60,180,720") from None
    try:
        return CallbackPolicy(quiet_start=start, quiet_end=end, retry_after_minutes=minutes, **kw)
    except PolicyError as exc:
        raise typer.BadParameter(str(exc)) from None


def _clock(start: str | None):
    from hotline.accounts.timestamps import as_utc
    from hotline.models import utcnow

    if not start:
        return utcnow
    try:
        origin = as_utc(datetime.fromisoformat(start))
    except ValueError:
        raise typer.BadParameter(f"--clock-start: ISO time (2026-03-02T10:00+08:00), not {start!r}") from None
    t0 = time_module.monotonic()

    return lambda: origin + timedelta(seconds=time_module.monotonic() - t0)


@app.command("run")
def run(
    database_url: str = typer.Option(None, help="SQLAlchemy URL (default: HOTLINE_DATABASE_URL / settings)"),
    sip_config: Path = typer.Option(None, help="dial through a pjsua2 endpoint configured by this sip.conf"),
    uri_template: str = typer.Option("", help="SIP URI for a number, e.g. sip:{number}@pbx.example"),
    prompts_dir: Path = typer.Option(None, help="directory of callback_*_{zh,mn}.wav (default: shipped)"),
    fake_dialer_log: Path = typer.Option(None, help="no SIP: answer '1' to every call, log dials here"),
    fake_seconds: float = typer.Option(0.0, help="how long each fake dial takes"),
    until_idle: bool = typer.Option(False, help="exit when no callback is left to dial"),
    interval: float = typer.Option(10.0, help="seconds between scheduler ticks"),
    concurrent: int = typer.Option(1, help="calls at once (the SIP endpoint's other lines stay for callers)"),
    max_attempts: int = typer.Option(3),
    retry_minutes: str = typer.Option("60,180,720", help="backoff after attempt 1, 2, 3 …"),
    claim_timeout: float = typer.Option(600.0, help="seconds before a dead process's claim is taken over"),
    quiet: str = typer.Option("21:00-08:00", help="no calls in these China-time hours"),
    rest_days: bool = typer.Option(False, help="also call on holidays and weekends"),
    answer_timeout: float = typer.Option(45.0),
    input_timeout: float = typer.Option(8.0),
    clock_start: str = typer.Option(None, help="drills/tests: pretend it is this time at start"),
) -> None:
    """Run the callback scheduler in this process until stopped (SIGTERM/Ctrl-C) or, with --until-idle,
    until nothing is left to dial."""
    from callbacks.service import CallbackRunner

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    policy = _policy(max_attempts=max_attempts, retry_minutes=retry_minutes, claim_timeout_s=claim_timeout,
                     quiet=quiet, call_on_rest_days=rest_days, concurrent_calls=concurrent)
    if (sip_config is None) == (fake_dialer_log is None):
        raise typer.BadParameter("give --sip-config (real calls) or --fake-dialer-log (no calls), not both")
    endpoint = None
    if fake_dialer_log is not None:
        from callbacks.dialing import ScriptedDialer

        dialer = ScriptedDialer(log_path=fake_dialer_log, seconds=fake_seconds)
    else:
        from callbacks.prompts import CallbackPrompts
        from callbacks.sip_dialer import SipDialer
        from hotline.sip.config import load_sip_config
        from hotline.sip.pjsua_adapter import PjsuaEndpoint

        if not uri_template:
            raise typer.BadParameter("--uri-template is needed with --sip-config, e.g. sip:{number}@pbx")
        endpoint = PjsuaEndpoint(load_sip_config(sip_config))
        endpoint.start()
        prompts = CallbackPrompts(endpoint.sample_rate, **({"directory": prompts_dir} if prompts_dir else {}))
        dialer = SipDialer(endpoint, prompts, uri_template=uri_template, answer_timeout=answer_timeout,
                           input_timeout=input_timeout)
    runner = CallbackRunner(_factory(database_url), dialer, policy=policy, clock=_clock(clock_start))
    typer.echo(f"callback worker {runner.worker} READY", err=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        if until_idle:
            made = runner.run_until_idle()
            typer.echo(f"{made} dials; nothing left to dial")
        else:
            while not stop.is_set():
                runner.tick()
                stop.wait(interval)
    except KeyboardInterrupt:
        pass
    finally:
        runner.close()
        if endpoint is not None:
            endpoint.stop()


@app.command("schedule")
def schedule(database_url: str = typer.Option(None)) -> None:
    """Create the callback rows for closed cases that have none (what every scheduler tick does)."""
    from callbacks.policy import CallbackPolicy
    from callbacks.scheduling import schedule_closed_cases
    from hotline.db import unit_of_work
    from hotline.models import utcnow

    with unit_of_work(_factory(database_url)) as session:
        created = schedule_closed_cases(session, policy=CallbackPolicy(), now=utcnow())
    typer.echo(f"{created} callbacks scheduled")


@app.command("list")
def list_(database_url: str = typer.Option(None), state: str = typer.Option(None),
          limit: int = typer.Option(50)) -> None:
    """Recent callbacks: id, case, state, result, attempts, next due time (China time)."""
    from sqlalchemy import select

    from hotline.accounts.timestamps import china_clock
    from hotline.models import Callback, CallbackState

    with _factory(database_url)() as session:
        query = select(Callback).order_by(Callback.id.desc()).limit(limit)
        if state:
            try:
                query = query.where(Callback.state == CallbackState(state))
            except ValueError:
                names = ", ".join(s.value for s in CallbackState)
                raise typer.BadParameter(f"--state: one of {names}") from None
        for row in session.scalars(query):
            typer.echo(f"{row.id:>6} case {row.case_id:>6} {row.state.value:<8} "
                       f"{(row.result.value if row.result else '-'):<20} attempts {row.attempts} "
                       f"due {china_clock(row.due_at)} {row.last_outcome or ''}")


@app.command("opt-out")
def opt_out(phone: str, reason: str = typer.Option(""), database_url: str = typer.Option(None)) -> None:
    """Never call this number back (citizen's request)."""
    from callbacks.opt_outs import add_opt_out
    from hotline.cases.errors import CaseError
    from hotline.db import unit_of_work

    try:
        with unit_of_work(_factory(database_url)) as session:
            row = add_opt_out(session, actor="cli", phone=phone, reason=reason)
    except CaseError as exc:
        typer.secho(exc.message, fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{row.phone}: no callbacks")


@app.command("opt-in")
def opt_in(phone: str, database_url: str = typer.Option(None)) -> None:
    """Remove a number from the do-not-call list."""
    from callbacks.opt_outs import remove_opt_out
    from hotline.db import unit_of_work

    with unit_of_work(_factory(database_url)) as session:
        removed = remove_opt_out(session, actor="cli", phone=phone)
    typer.echo("removed" if removed else f"{phone} was not on the do-not-call list")


if __name__ == "__main__":
    app()

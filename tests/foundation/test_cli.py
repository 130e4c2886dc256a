"""The `hotline` command: every sub-command answers --help; config, init and db behave as documented."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from hotline.cli.main import app

runner = CliRunner()


def _command_paths(command, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, sub in getattr(command, "commands", {}).items():
        paths += _command_paths(sub, prefix + (name,))
    return paths


@pytest.mark.parametrize("path", _command_paths(get_command(app)), ids=lambda p: " ".join(p) or "hotline")
def test_every_command_has_help(path):
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_python_dash_m_works():
    out = subprocess.run([sys.executable, "-m", "hotline", "--help"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and "serve" in out.stdout


def test_config_show_masks_secrets(monkeypatch):
    monkeypatch.setenv("HOTLINE_SECRET_KEY", "a-very-secret-value-123")
    monkeypatch.setenv("HOTLINE_DATABASE_URL", "postgresql+psycopg://hotline:pa55word@db.example/hotline")
    result = runner.invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert "a-very-secret-value-123" not in result.output and "pa55word" not in result.output
    assert shown["database_url"] == "postgresql+psycopg://hotline:****@db.example/hotline"


def test_placeholder_secret_is_refused_in_production(monkeypatch):
    monkeypatch.setenv("HOTLINE_ENV", "production")
    monkeypatch.delenv("HOTLINE_SECRET_KEY", raising=False)
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert "HOTLINE_SECRET_KEY" in result.output and "placeholder" in result.output


def test_broken_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv("HOTLINE_WEB_PORT", "eighty")
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert "HOTLINE_WEB_PORT" in result.output


def test_init_creates_everything_once_and_prints_the_password_once(monkeypatch, tmp_path):
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "var"))
    first = runner.invoke(app, ["init"])
    assert first.exit_code == 0, first.output
    assert "password:" in first.output and "service items" in first.output
    assert (tmp_path / "var" / "hotline.sqlite3").exists()
    second = runner.invoke(app, ["init"])
    assert second.exit_code == 0, second.output
    assert "password:" not in second.output
    assert "0 departments, 0 sites, 0 windows, 0 service items" in second.output
    search = runner.invoke(app, ["kb", "search", "党组织关系怎么转", "--json"])
    assert search.exit_code == 0, search.output
    assert "组织关系" in search.output


def test_db_commands_report_the_revision(monkeypatch, tmp_path):
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "var"))
    up = runner.invoke(app, ["db", "upgrade"])
    assert up.exit_code == 0 and "revision" in up.output
    head = runner.invoke(app, ["db", "current"]).output.strip()
    down = runner.invoke(app, ["db", "downgrade", "base"])
    assert down.exit_code == 0 and "base" in down.output
    assert runner.invoke(app, ["db", "current"]).output.strip() == "base (empty)"
    assert head != "base (empty)"


def test_commands_needing_the_database_say_run_init_first(monkeypatch, tmp_path):
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "empty"))
    result = runner.invoke(app, ["kb", "search", "社保"])
    assert result.exit_code == 2
    assert "hotline init" in result.output

"""The ``sep`` command as deployers use it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sep_core import User
from sep_core.accounts import verify_password
from sep_core.cli import main as sep

pytestmark = pytest.mark.sep_plugins("channel_web")


def test_create_staff_and_change_role(runner, db):
    result = runner.invoke(sep, ["users", "create-staff", "Duty@Example.org", "--role", "specialist",
                                 "--profile", "tech_support", "--profile", "registration_data",
                                 "--password", "correct horse battery", "--name", "Иванова Анна"])
    assert result.exit_code == 0, result.output
    user = db.session.execute(db.select(User)).scalar_one()
    assert (user.email, user.role, user.profiles) == ("duty@example.org", "specialist",
                                                      ["registration_data", "tech_support"])
    assert (user.surname, user.first_name) == ("Иванова", "Анна")
    assert verify_password(user, "correct horse battery")
    again = runner.invoke(sep, ["users", "create-staff", "duty@example.org", "--role", "admin",
                                "--password", "another long password"])
    assert "Updated admin" in again.output
    assert db.session.execute(db.select(User)).scalar_one().role == "admin"


@pytest.mark.parametrize(("args", "message"), [
    (["not-an-email", "--role", "duty", "--password", "long enough password"], "email address"),
    (["a@example.org", "--role", "duty", "--password", "short"], "at least 12"),
    (["a@example.org", "--role", "citizen", "--password", "long enough password"], "Invalid value for '--role'"),
])
def test_create_staff_bad_input_is_a_clear_error(runner, args, message):
    result = runner.invoke(sep, ["users", "create-staff", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_worker_once_delivers_and_reports(runner, app, db):
    from sep_core import send_mail

    send_mail("citizen@example.org", "Тема", "Текст")
    db.session.commit()
    result = runner.invoke(sep, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 1, retried 0, failed 0"  # testing config: file backend
    assert len(list((__import__("pathlib").Path(app.instance_path) / "mail").glob("*.eml"))) == 1


def test_sep_console_script_lists_plugins_as_json(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "SEP_INSTANCE_PATH": str(tmp_path), "SEP_PLUGINS": "channel_web",
           "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "sep_core.cli", "plugins", "--json"], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == ["channel_web"]
    assert "sep_blueprints" in rows[0]["hooks"]

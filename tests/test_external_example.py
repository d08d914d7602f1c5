"""docs/writing_plugins.md against the code: the worked example (a chat channel in its own
distribution) is built from the page's text, installed (a dist-info on sys.path, as pip leaves
it), enabled with SEP_PLUGINS="+chatly" and its own tests run; it is what `sep plugins new`
writes; its channel is short and imports only the facade; every Python block of the page passes
the project's lint; the method tables list every member of the classes."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sep_core import Channel, ConversationalChannel, WebhookChannel
from sep_core.cli import main as sep_cli
from sep_core.scaffold import render, skeleton_files
from sep_core.testing import deliver_outbox

ROOT = Path(__file__).parents[1]
DOC = ROOT / "docs" / "writing_plugins.md"
BIN = Path(sys.executable).parent


def doc_files() -> dict[str, str]:
    """The page's code blocks that name a file (```python sep_chatly/channel.py), by path."""
    text = DOC.read_text(encoding="utf-8")
    return {m["path"]: m["body"] for m in re.finditer(r"^```\w+ (?P<path>\S+)\n(?P<body>.*?)^```", text, re.M | re.S)}


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEP_", "PYTEST_", "CHATLY_"))}
    env.update(extra)
    return env


def test_the_page_prints_the_skeleton_of_sep_plugins_new():
    assert doc_files() == skeleton_files()
    assert set(doc_files()) == {"pyproject.toml", "sep_chatly/__init__.py", "sep_chatly/channel.py",
                                "tests/test_chatly.py"}


def test_the_example_channel_is_short_and_imports_only_the_facade():
    files = doc_files()
    code = [line for line in files["sep_chatly/channel.py"].splitlines()
            if line.strip() and not line.strip().startswith("#")]
    assert len(code) < 50
    allowed = {"sep_core", "sep_core.testing", "pytest", "sep_chatly"}
    for path, text in files.items():
        if not path.endswith(".py"):
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.level:
                continue  # the package's own modules
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert name in allowed or name.split(".")[0] in sys.stdlib_module_names, (path, name)
    source = files["sep_chatly/channel.py"]
    assert "class ChatlyChannel(ConversationalChannel)" in source  # linking, requests, staff pages, rates


@pytest.fixture
def chatly_distribution(tmp_path, monkeypatch):
    """The page's files written as a project, and installed as pip would leave it: the package on
    sys.path and a dist-info with the entry point of pyproject.toml."""
    project = tmp_path / "sep-chatly"
    for relative, text in doc_files().items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(text, encoding="utf-8")
    pyproject = (project / "pyproject.toml").read_text()
    entry = re.search(r'\[project.entry-points."sep_helpdesk.plugins"\]\n(\w+) = "(\w+)"', pyproject)
    site = tmp_path / "site"
    dist = site / "sep_chatly-0.1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: sep-chatly\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text(f"[sep_helpdesk.plugins]\n{entry[1]} = {entry[2]}\n")
    monkeypatch.syspath_prepend(str(project))
    monkeypatch.syspath_prepend(str(site))
    yield project, site
    for name in [m for m in sys.modules if m == "sep_chatly" or m.startswith("sep_chatly.")]:
        del sys.modules[name]


def test_the_example_is_enabled_with_plus_name_and_its_own_tests_pass(chatly_distribution, make_app,
                                                                      fake_http_api, monkeypatch):
    project, site = chatly_distribution
    monkeypatch.setenv("SEP_PLUGINS", "+chatly")
    monkeypatch.setenv("CHATLY_TOKEN", "t")
    monkeypatch.setenv("CHATLY_SECRET", "s")
    app = make_app({"SEP_PLUGIN_CONFIG": {"chatly": {"api_url": fake_http_api.url}}})
    info = app.extensions["sep"].pm.plugin_info["chatly"]
    assert (info.origin, info.distribution, info.version) == ("added", "sep-chatly", "0.1.0")
    assert "tickets" in app.extensions["sep"].pm.plugin_info  # the built-ins stay enabled
    event = {"id": 1, "type": "message", "user": 7, "chat": 70, "text": "Здравствуйте"}
    response = app.test_client().post("/hooks/chatly", data=json.dumps(event), headers={"X-Chatly-Secret": "s"},
                                      content_type="application/json")
    assert response.status_code == 200
    with app.app_context():
        assert deliver_outbox().sent == 1
    assert fake_http_api.sent("/send")[0]["headers"]["Authorization"] == "Bearer t"
    # its own test file, as its author runs it, with the distribution installed and enabled
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "tests/test_chatly.py"],
                         cwd=project, capture_output=True, text=True, timeout=300,
                         env=clean_env(SEP_PLUGINS="+chatly", PYTHONPATH=os.pathsep.join([str(site), str(project)])))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert re.search(r"\b5 passed\b", run.stdout)


def test_sep_plugins_new_demo_passes_its_tests_in_a_fresh_folder(tmp_path):
    made = subprocess.run([str(BIN / "sep"), "plugins", "new", "demo"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env=clean_env())
    assert made.returncode == 0, made.stderr
    assert sorted(p.relative_to(tmp_path / "demo").as_posix() for p in (tmp_path / "demo").rglob("*.*")) == [
        "pyproject.toml", "sep_demo/__init__.py", "sep_demo/channel.py", "tests/test_demo.py"]
    assert "class DemoChannel(ConversationalChannel)" in (tmp_path / "demo" / "sep_demo" / "channel.py").read_text()
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist"], cwd=tmp_path / "demo",
                         capture_output=True, text=True, timeout=300, env=clean_env())
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert re.search(r"\b5 passed\b", run.stdout)
    runner = CliRunner()  # the refusals, in-process
    again = runner.invoke(sep_cli, ["plugins", "new", "demo", "--directory", str(tmp_path / "demo")])
    assert again.exit_code != 0 and "exists already" in again.output  # never overwrites
    bad = runner.invoke(sep_cli, ["plugins", "new", "Not-a-name", "--directory", str(tmp_path / "x")])
    assert bad.exit_code != 0 and "not a plugin name" in bad.output and not (tmp_path / "x").exists()


def test_render_replaces_every_spelling_of_the_name():
    assert render("sep-chatly Chatly CHATLY_TOKEN sep_chatly", "my_chat") == \
        "sep-my_chat MyChat MY_CHAT_TOKEN sep_my_chat"


# --- the page's code passes the project's lint; the tables list the classes ----------------------


def python_blocks() -> list[tuple[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    return [(m["path"] or "", m["body"]) for m in re.finditer(r"^```python(?: (?P<path>\S+))?\n(?P<body>.*?)^```",
                                                              text, re.M | re.S)]


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_every_python_block_of_the_page_passes_ruff(index):
    path, body = python_blocks()[index]
    # blocks that are files of the example are linted where they live; others as a docs file
    name = f"sep_core/skeleton/{path}" if path else f"docs/block_{index}.py"
    run = subprocess.run([str(BIN / "ruff"), "check", "--no-cache", "--stdin-filename", name, "-"], input=body,
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout


def table_members(heading: str) -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(heading)
    table = text[text.index("\n|", start):]
    table = table[: table.index("\n\n")]
    first_column = [row.split("|")[1] for row in table.splitlines()[2:]]
    return {re.match(r"(\w+)", name).group(1) for cell in first_column for name in re.findall(r"`([^`]+)`", cell)}


def public_members(*classes: type) -> set[str]:
    return {name for cls in classes for name in vars(cls) if not name.startswith("_")}


def test_the_webhook_channel_table_lists_every_member():
    assert table_members("Every member of `Channel` / `WebhookChannel`") == public_members(Channel, WebhookChannel)


def test_the_conversational_channel_table_lists_every_member():
    documented = table_members("Every member of `ConversationalChannel`")
    assert documented == public_members(ConversationalChannel) | {"verify", "handshake"}

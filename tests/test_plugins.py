"""Loading, ordering, validation and settings of plugins."""

from __future__ import annotations

import json

import pytest

from sep_core import Answer, ConfigError, Route, RouteAction, hookimpl
from sep_core.cli import main as sep_cli

#: The core contract is tested with only the home-page plugin enabled, so that other plugins
#: (a calendar that wins sep_deadline, an identity plugin) do not change what is measured.
pytestmark = pytest.mark.sep_plugins("channel_web")



def test_unknown_plugin_name_stops_startup_naming_it(make_app):
    with pytest.raises(ConfigError) as info:
        make_app({"SEP_PLUGINS": ["channel_web", "no_such_plugin"]})
    message = str(info.value)
    assert "no_such_plugin" in message
    assert "channel_web" in message  # the list of installed plugins helps fix the typo


def test_misspelt_hook_stops_startup_naming_plugin_and_hook(make_app):
    class Misspelt:
        @staticmethod
        def sep_anwser(inquiry):  # "answer" misspelt
            return []

    with pytest.raises(ConfigError) as info:
        make_app(plugins=[("misspelt", Misspelt())])
    assert "misspelt" in str(info.value)
    assert "sep_anwser" in str(info.value)


def test_unmarked_sep_function_is_still_a_hook_and_others_are_not(make_app):
    class Plain:
        def sep_ui_nav_items(self, user):  # no @hookimpl: still a hook, like pytest_*
            return [("Plain", "/plain")]

        def helper(self):  # not a hook, never validated
            return 1

    app = make_app(plugins=[("plain", Plain())])
    with app.test_request_context("/"):
        from sep_core.web import nav_items

        assert ("Plain", "/plain") in nav_items(None)


def _router(label: str):
    class Router:
        @hookimpl
        def sep_route(self, inquiry, answers, availability):
            return Route(action=RouteAction.ESCALATE, profile=label, decided_by=label)

    return Router()


def test_first_listed_plugin_wins_firstresult_hooks(make_app):
    from sep_core import Inquiry, handle_inquiry

    for order in (["first", "second"], ["second", "first"]):
        app = make_app(plugins=[(name, _router(name)) for name in order])
        with app.app_context():
            result = handle_inquiry(Inquiry(channel="test", text="вопрос"))
        assert result.route.decided_by == order[0]


def test_builtin_plugins_follow_sep_plugins_order(make_app):
    app = make_app({"SEP_PLUGINS": "channel_web"})
    assert [i.name for i in app.extensions["sep"].pm.enabled()] == ["channel_web"]


def test_removing_a_plugin_removes_its_routes_and_hook_results(make_app):
    with_web = make_app({"SEP_PLUGINS": ["channel_web"]})
    without = make_app({"SEP_PLUGINS": []})
    assert with_web.test_client().get("/").status_code == 200
    assert without.test_client().get("/").status_code == 404
    from sep_core.web import nav_items

    with with_web.test_request_context("/"):
        assert nav_items(None)
    with without.test_request_context("/"):
        assert nav_items(None) == []
    assert "channel_web" not in json.dumps(_plugins_json(without))


def _plugins_json(app) -> list[dict]:
    result = app.test_cli_runner().invoke(sep_cli, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_sep_plugins_json_lists_plugins_with_hooks(make_app):
    app = make_app({"SEP_PLUGINS": ["channel_web"]})
    rows = _plugins_json(app)
    web = next(r for r in rows if r["name"] == "channel_web")
    assert web["version"] == "0.1.0"
    assert {"sep_blueprints", "sep_config_defaults", "sep_ui_nav_items"} <= set(web["hooks"])
    assert web["blueprints"] == ["channel_web"]
    assert web["templates"] is True


def test_plugin_settings_defaults_overrides_and_env_secrets(make_app, monkeypatch):
    from sep_core import plugin_settings

    monkeypatch.setenv("WEB_PHONE", "+70000000001")
    app = make_app({"SEP_PLUGINS": ["channel_web"],
                    "SEP_PLUGIN_CONFIG": {"channel_web": {"phone": "$env:WEB_PHONE"}}})
    with app.app_context():
        settings = plugin_settings("channel_web")
    assert settings["phone"] == "+70000000001"
    assert settings["phone_display"] == "8 800 200-00-00"  # declared default kept


def test_unknown_plugin_setting_stops_startup(make_app):
    with pytest.raises(ConfigError, match="phnoe"):
        make_app({"SEP_PLUGINS": ["channel_web"], "SEP_PLUGIN_CONFIG": {"channel_web": {"phnoe": "1"}}})


def test_hook_sep_config_defaults(make_app):
    class Configured:
        @hookimpl
        def sep_config_defaults(self):
            return {"greeting": "hello", "limit": 3}

    app = make_app({"SEP_PLUGIN_CONFIG": {"configured": {"limit": 5}}}, plugins=[("configured", Configured())])
    assert app.extensions["sep"].settings("configured") == {"greeting": "hello", "limit": 5}


def test_hook_sep_blueprints(make_app):
    from flask import Blueprint

    bp = Blueprint("extra_pages", __name__)
    bp.add_url_rule("/extra", "extra", lambda: "extra page")

    class Pages:
        @hookimpl
        def sep_blueprints(self, app):
            return [bp]

    app = make_app(plugins=[("pages", Pages())])
    assert app.test_client().get("/extra").get_data(as_text=True) == "extra page"


def test_hook_sep_cli(make_app):
    import click

    class Commands:
        @hookimpl
        def sep_cli(self, cli, app):
            @cli.command("hello")
            def hello():
                click.echo("hello from a plugin")

    app = make_app(plugins=[("commands", Commands())])
    result = app.test_cli_runner().invoke(args=["hello"])
    assert result.output.strip() == "hello from a plugin"


def test_hook_sep_startup(make_app):
    seen = []

    class Starter:
        @hookimpl
        def sep_startup(self, app):
            seen.append(app.name)

    make_app(plugins=[("starter", Starter())])
    assert seen == ["sep_core"]


def test_hook_sep_translation_dirs(make_app, tmp_path):
    folder = tmp_path / "translations" / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "sep_translated.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Plugin greeting"\nmsgstr "Приветствие плагина"\n', encoding="utf-8")

    class Translated:
        @hookimpl
        def sep_translation_dirs(self):
            return [(str(tmp_path / "translations"), "sep_translated")]

    app = make_app(plugins=[("translated", Translated())])
    from sep_core import gettext

    with app.test_request_context("/"):
        assert gettext("Plugin greeting") == "Приветствие плагина"
    with app.test_request_context("/?lang=en"):
        assert gettext("Plugin greeting") == "Plugin greeting"


def test_hook_sep_ui_nav_items_and_banners_and_home_panels(make_app):
    from markupsafe import Markup

    class Slots:
        @hookimpl
        def sep_ui_nav_items(self, user):
            return [("Extra", "/extra")]

        @hookimpl
        def sep_ui_banners(self, at):
            return [Markup('<div class="banner">Works until {}</div>').format(at.year)]

        @hookimpl
        def sep_ui_home_panels(self, at):
            return ["<b>plain text is escaped</b>"]

    app = make_app({"SEP_PLUGINS": ["channel_web"]}, plugins=[("slots", Slots())])
    html = app.test_client().get("/").get_data(as_text=True)
    assert '<a href="/extra">Extra</a>' in html
    assert '<div class="banner">Works until 2026</div>' in html  # the frozen clock's year
    assert "&lt;b&gt;plain text is escaped&lt;/b&gt;" in html


test_hook_sep_ui_nav_items = test_hook_sep_ui_nav_items_and_banners_and_home_panels
test_hook_sep_ui_banners = test_hook_sep_ui_nav_items_and_banners_and_home_panels
test_hook_sep_ui_home_panels = test_hook_sep_ui_nav_items_and_banners_and_home_panels


def test_hook_sep_ui_cabinet_sections(app, register_plugin):
    from markupsafe import Markup

    from sep_core import ui_slot

    class Cabinet:
        @hookimpl
        def sep_ui_cabinet_sections(self, user):
            return [Markup("<section>Saved answers of {}</section>").format(user)]

    register_plugin(Cabinet())
    with app.test_request_context("/"):
        assert str(ui_slot("cabinet_sections", user="<citizen>")) == \
            "<section>Saved answers of &lt;citizen&gt;</section>"


def test_hook_sep_identity_channels_and_send_code(app, register_plugin):
    from sep_core import identity_channels, send_code

    sent = []

    class Sms:
        @hookimpl
        def sep_identity_channels(self, user):
            return ["sms", "email"]

        @hookimpl
        def sep_send_code(self, user, channel, code, purpose):
            if channel != "sms":
                return None
            sent.append((user, code, purpose))
            return True

    class Mail:
        @hookimpl
        def sep_identity_channels(self, user):
            return ["email"]

    register_plugin(Sms())
    register_plugin(Mail())
    assert sorted(identity_channels("u")) == ["email", "sms"]
    assert send_code("u", "sms", "123456", "identity") is True
    assert send_code("u", "vk", "123456", "identity") is False
    assert sent == [("u", "123456", "identity")]


test_hook_sep_identity_channels = test_hook_sep_identity_channels_and_send_code
test_hook_sep_send_code = test_hook_sep_identity_channels_and_send_code


def test_hook_sep_client_requirements(app, register_plugin):
    from sep_core import Requirement, client_requirements

    class Browser:
        @hookimpl
        def sep_client_requirements(self, request, user):
            agent = request.headers.get("User-Agent", "")
            return [Requirement(id="browser", name="Browser", met="MSIE" not in agent)]

    register_plugin(Browser())
    with app.test_request_context("/", headers={"User-Agent": "Mozilla/4.0 (compatible; MSIE 6.0)"}):
        from flask import request

        assert [(r.id, r.met) for r in client_requirements(request, None)] == [("browser", False)]


def test_hook_sep_init_data(make_app):
    from sep_core.cli import main

    calls = []

    class Seeder:
        @hookimpl
        def sep_init_data(self, app, demo):
            calls.append(demo)

    app = make_app({"SEP_PLUGINS": ["channel_web"]}, plugins=[("seeder", Seeder())], create_tables=False)
    runner = app.test_cli_runner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    assert runner.invoke(main, ["init", "--demo"]).exit_code == 0
    assert calls == [False, True]


def test_answers_from_several_answerers_are_ranked(app, register_plugin):
    from sep_core import Inquiry
    from sep_core.pipeline import collect_answers

    class A:
        @hookimpl
        def sep_answer(self, inquiry):
            return [Answer(source="a", confidence=0.4, title="A")]

    class B:
        @hookimpl
        def sep_answer(self, inquiry):
            return [Answer(source="b", confidence=0.9, title="B"), Answer(source="b", confidence=0.1, title="C")]

    register_plugin(A())
    register_plugin(B())
    assert [a.title for a in collect_answers(Inquiry(channel="t", text="q"))] == ["B", "A", "C"]


def test_trace_plugins_logs_hook_calls(make_app, caplog):
    app = make_app({"SEP_PLUGINS": ["channel_web"], "SEP_TRACE_PLUGINS": True})
    with caplog.at_level("WARNING", logger="sep"):
        app.test_client().get("/")
    assert any("sep_ui_nav_items" in r.getMessage() for r in caplog.records)


def test_trace_plugins_never_logs_hook_arguments_or_results(make_app, caplog):
    # Hook results carry personal data (sep_user_data, registry owners): tracing is for
    # production debugging too, so it names hooks, plugins and result types only.
    class Personal:
        @hookimpl
        def sep_user_data(self, user):
            return {"contacts": ["ivanov.personal@example.org", "+79161234567"]}

    app = make_app({"SEP_PLUGINS": ["channel_web"], "SEP_TRACE_PLUGINS": True}, plugins=[("personal", Personal())])
    with caplog.at_level("DEBUG"), app.app_context():
        results = app.extensions["sep"].pm.hook.sep_user_data(user="Иванов Иван, паспорт 4510 123456")
    assert results  # the hook really ran
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "sep_user_data" in logged and "personal" in logged
    for secret in ("ivanov.personal", "79161234567", "Иванов", "4510"):
        assert secret not in logged

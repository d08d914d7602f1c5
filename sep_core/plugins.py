"""The per-app plugin manager: loading by name, ordering, validation and per-plugin settings.

Ordering: pluggy calls implementations last-registered-first, so plugins are registered in
reverse of ``SEP_PLUGINS``; the first plugin listed is called first and wins ``firstresult``
hooks. Core defaults are registered before everything with ``trylast``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Any

import pluggy

from . import hookspecs
from .errors import ConfigError

ENTRY_POINT_GROUP = "sep_helpdesk.plugins"
HOOK_PREFIX = "sep_"
CORE_PLUGIN_NAME = "sep_core.defaults"

hookimpl = pluggy.HookimplMarker("sep")


class SepPluginManager(pluggy.PluginManager):
    """A pluggy manager that treats only ``sep_*`` routines as hook implementations.

    Like pytest, an unmarked ``sep_*`` function is still a hook implementation, so a misspelt
    name is caught by ``check_pending()`` instead of being silently ignored.
    """

    def __init__(self) -> None:
        super().__init__("sep")
        self.add_hookspecs(hookspecs)
        self.plugin_info: dict[str, PluginInfo] = {}

    def parse_hookimpl_opts(self, plugin: object, name: str):  # type: ignore[override]
        if not name.startswith(HOOK_PREFIX):
            return None
        method = getattr(plugin, name, None)
        if not inspect.isroutine(method):
            return None
        opts = super().parse_hookimpl_opts(plugin, name)
        return opts if opts is not None else {}

    def enabled(self) -> list[PluginInfo]:
        """Enabled plugins in configuration order (core defaults excluded)."""
        return list(self.plugin_info.values())


@dataclass
class PluginInfo:
    """What the core knows about one enabled plugin."""

    name: str
    module: ModuleType
    version: str
    distribution: str
    settings: dict[str, Any] = field(default_factory=dict)
    origin: str = "config"
    """Why it is enabled: ``default`` (a built-in, SEP_PLUGINS unset or relative), ``added``
    (``+name``), ``config`` (named in an explicit list) or ``direct`` (registered by code)."""

    @property
    def path(self) -> str:
        """The plugin's folder (for templates/, static/ ...); for an object, its class's module."""
        target = self.module if inspect.ismodule(self.module) else type(self.module)
        try:
            return os.path.dirname(inspect.getfile(target))
        except TypeError:  # built-in or dynamically created
            return ""


def installed_plugins() -> dict[str, metadata.EntryPoint]:
    """Plugins installed on this Python, by name, from the entry-point group."""
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def parse_plugin_names(value: str | list[str] | tuple[str, ...]) -> list[str]:
    """Accept a list or a comma/space separated string; keep order, drop repeats."""
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    names: list[str] = []
    for name in value:
        name = str(name).strip()
        if name and name not in names:
            names.append(name)
    return names


def plan_plugins(value: str | list[str] | tuple[str, ...] | None,
                 defaults: Callable[[], list[str]]) -> list[tuple[str, str]]:
    """The plugins to enable, in order, each with its origin (see :attr:`PluginInfo.origin`).

    ``None`` means every default, an empty list none. Plain names form an explicit list; ``+name`` appends a plugin and
    ``-name`` removes one, relative to the explicit names or, when there are none, to the defaults
    (so ``SEP_PLUGINS="+demo"`` is "the built-ins plus demo"). Removing a plugin that is not in the
    list is an error: a misspelt ``-name`` would otherwise change nothing, silently."""
    entries = [] if value is None else parse_plugin_names(value)
    explicit = [n for n in entries if not n.startswith(("+", "-"))]
    relative = value is None or (bool(entries) and not explicit)  # an empty list enables nothing
    plan = [(n, "default") for n in defaults()] if relative else [(n, "config") for n in explicit]
    for entry in entries:
        name = entry[1:]
        if entry.startswith("+") and name and name not in [n for n, _ in plan]:
            plan.append((name, "added"))
        elif entry.startswith("-"):
            if name not in [n for n, _ in plan]:
                raise ConfigError(f"SEP_PLUGINS removes {name!r}, which is not enabled: "
                                  f"{', '.join(n for n, _ in plan) or '(none)'}")
            plan = [(n, origin) for n, origin in plan if n != name]
    return plan


def build_manager(names: list[str], extra: list[tuple[str, object]] | None = None) -> SepPluginManager:
    """Create a manager with the core defaults and the named plugins, in priority order.

    ``extra`` lists (name, object) plugins registered directly (tests), with priority over all.
    """
    from . import defaults

    pm = SepPluginManager()
    pm.register(defaults, name=CORE_PLUGIN_NAME)
    available = installed_plugins()
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ConfigError(
            f"Unknown plugin(s) in SEP_PLUGINS: {', '.join(unknown)}. "
            f"Installed plugins: {', '.join(sorted(available)) or '(none)'}"
        )
    loaded = []
    for name in names:
        ep = available[name]
        try:
            module = ep.load()
        except Exception as exc:  # an import error names the plugin, not only the module
            raise ConfigError(f"Plugin {name!r} ({ep.value}) failed to import: {exc}") from exc
        dist = ep.dist
        loaded.append(
            PluginInfo(
                name=name,
                module=module,
                version=getattr(module, "__version__", None) or (dist.version if dist else "0"),
                distribution=dist.metadata["Name"] if dist else "",
            )
        )
    direct = [PluginInfo(name=n, module=obj, version="direct", distribution="", origin="direct")
              for n, obj in extra or []]
    loaded = direct + loaded  # type: ignore[operator]
    for info in reversed(loaded):
        pm.register(info.module, name=info.name)
        pm.plugin_info[info.name] = info
    pm.plugin_info = {info.name: pm.plugin_info[info.name] for info in loaded}
    return pm


def validate(pm: SepPluginManager) -> None:
    """Fail start-up on a hook implementation that matches no specification."""
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) or repr(exc.plugin)
        hooks = [n for n in dir(exc.plugin) if (n.startswith(HOOK_PREFIX) and not hasattr(pm.hook, n))
                 or (n.startswith(HOOK_PREFIX) and not getattr(pm.hook, n).has_spec())]
        raise ConfigError(
            f"Plugin {name!r} implements unknown hook(s) {', '.join(hooks) or str(exc)}. "
            "Check the spelling against docs/plugin_hooks.md."
        ) from exc


def resolve_secret(value: Any, where: str = "a setting") -> Any:
    """``"$env:NAME"`` reads the environment variable NAME (secrets stay out of config files).

    An unset variable is a start-up error naming it: a secret silently read as ``""`` would leave
    a channel accepting nothing (or, worse, comparing against an empty string)."""
    if isinstance(value, str) and value.startswith("$env:"):
        name = value[5:]
        if name not in os.environ:
            raise ConfigError(f"{where} reads the environment variable {name}, which is not set")
        return os.environ[name]
    if isinstance(value, dict):
        return {k: resolve_secret(v, f"{where}[{k!r}]") for k, v in value.items()}
    return value


def configure_plugins(pm: SepPluginManager, config: dict[str, dict[str, Any]]) -> None:
    """Merge each plugin's declared defaults with ``SEP_PLUGIN_CONFIG[name]``.

    Unknown keys are an error: a misspelt setting silently keeping its default is worse.
    """
    declared: dict[str, dict[str, Any]] = {}
    for impl in pm.hook.sep_config_defaults.get_hookimpls():
        declared[impl.plugin_name] = dict(impl.function() or {})
    for name, given in (config or {}).items():
        if name not in pm.plugin_info:
            continue  # settings for a disabled plugin are kept but unused
        if not isinstance(given, dict):
            raise ConfigError(f"SEP_PLUGIN_CONFIG[{name!r}] must be a dict")
        unknown = set(given) - set(declared.get(name, {}))
        if unknown:
            raise ConfigError(
                f"Unknown setting(s) for plugin {name!r}: {', '.join(sorted(unknown))}. "
                f"Known: {', '.join(sorted(declared.get(name, {}))) or '(none)'}"
            )
    for name, info in pm.plugin_info.items():
        settings = dict(declared.get(name, {}))
        settings.update((config or {}).get(name, {}))
        info.settings = resolve_secret(settings, f"SEP_PLUGIN_CONFIG[{name!r}]")


def hook_names(pm: SepPluginManager, plugin: object) -> list[str]:
    """Names of the hooks a plugin implements, sorted."""
    return sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])

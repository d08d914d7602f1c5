"""Root conftest: make pytest's view of ``plugins/`` the installed package ``sep_plugins``.

Plugin tests live in ``plugins/<name>/tests/``. With ``--import-mode=importlib`` pytest imports a
test module's parent packages by their folder names (``plugins.<name>``), which would import
each plugin a second time beside ``sep_plugins.<name>`` and define its tables twice. Aliasing
the folder names to the installed modules keeps one copy of every plugin.
"""

import contextlib
import importlib
import sys
from pathlib import Path

import sep_plugins

sys.modules.setdefault("plugins", sep_plugins)
for _folder in sorted((Path(__file__).parent / "plugins").iterdir()):
    if (_folder / "__init__.py").is_file():
        # a broken or not yet installed plugin fails its own tests, not the whole collection
        with contextlib.suppress(Exception):
            sys.modules.setdefault(f"plugins.{_folder.name}", importlib.import_module(f"sep_plugins.{_folder.name}"))

"""``sep plugins new NAME``: a new channel plugin as its own distribution, ready to test.

The skeleton in ``sep_core/skeleton/`` is the worked example of docs/writing_plugins.md (the
Chatly messenger; a test keeps the two identical): ``pyproject.toml`` with the entry point, the
package with its hooks and a ``ConversationalChannel``, and tests using only ``sep_core`` and
``sep_core.testing``. Every ``chatly`` / ``Chatly`` / ``CHATLY`` becomes the new name."""

from __future__ import annotations

import re
from pathlib import Path

SKELETON = Path(__file__).parent / "skeleton"
EXAMPLE_NAME = "chatly"
NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def skeleton_files() -> dict[str, str]:
    """The skeleton's files by relative path (the Chatly example)."""
    return {path.relative_to(SKELETON).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(SKELETON.rglob("*")) if path.is_file() and "__pycache__" not in path.parts}


def render(text: str, name: str) -> str:
    camel = "".join(part.capitalize() for part in name.split("_"))
    return text.replace("CHATLY", name.upper()).replace("Chatly", camel).replace("chatly", name)


def write_skeleton(name: str, target: Path) -> list[Path]:
    """Write the plugin ``name`` into the new folder ``target``; returns the files written.
    ValueError for a name that cannot be a plugin and package name, or an existing folder."""
    if not NAME.match(name):
        raise ValueError(f"{name!r} is not a plugin name: lower-case letters, digits and _, starting with a letter")
    if target.exists():
        raise ValueError(f"{target} exists already")
    written = []
    for relative, text in skeleton_files().items():
        path = target / render(relative, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(text, name), encoding="utf-8")
        written.append(path)
    return written

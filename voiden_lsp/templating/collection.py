"""The collection around a document: its root, `voiden.toml` environments and the `.env` secrets."""

from __future__ import annotations

import contextlib
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiden_lsp.errors import TemplateError

CONFIG_FILE = "voiden.toml"
DOTENV_FILE = ".env"
EXAMPLE_DOTENV_FILE = ".env.example"
APP_FOLDER = ".voiden"
"""The Voiden app's folder: `env-public.yaml`, `env-private.yaml`, `.process.env.json`."""

ReadText = Callable[[Path], str]
_ENV_FILE = re.compile(r"env-(?:([a-z0-9][a-z0-9-]*)-)?(public|private)\.yaml")
"""The Voiden app's environment files: `env-public.yaml`, or a named profile's `env-team-b-private.yaml`."""
_LEGACY_SKIP = frozenset({"node_modules", "venv", "__pycache__"})
_DOTENV_LINE = re.compile(r"\s*(?:export\s+)?([A-Za-z_][\w.-]*)\s*=(.*)")  # the value is stripped after
_COMMENT = re.compile(r"\s#")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@dataclass
class Collection:
    root: Path | None = None
    environments: dict[str, dict[str, Any]] = field(default_factory=dict)
    default_env: str | None = None
    locale: str | None = None
    dotenv: dict[str, str] = field(default_factory=dict)
    private: dict[str, str] = field(default_factory=dict)
    """Values of the Voiden app's private environment files (`.voiden/env-*private.yaml`, or the legacy
    `.env.NAME` files): secrets, like those of `.env`."""
    runtime: dict[str, Any] = field(default_factory=dict)
    """The Voiden app's runtime variables (`.voiden/.process.env.json`), as `process.NAME`."""
    example_names: frozenset[str] = frozenset()
    """The names `.env.example` defines, when no `.env` holds the secrets (a fresh clone): an undefined
    variable among them says to copy it. Its values are never read into a scope."""

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self.dotenv.values()) | frozenset(self.private.values())

    @classmethod
    def load(
        cls,
        document: Path | None,
        workspace: Path | None = None,
        read_text: ReadText = _read,
        dotenv_files: tuple[str, ...] = (DOTENV_FILE,),
    ) -> Collection:
        """Find the root (nearest folder upward with `voiden.toml`, else the workspace, else the document's
        folder) and read its config. A broken `voiden.toml` raises a TemplateError naming file and line.
        The first of `dotenv_files` that exists holds the secrets."""
        root = find_root(document, workspace)
        if root is None:
            return cls()
        collection = cls(root=root)
        config_path = root / CONFIG_FILE
        if config_path.is_file():
            collection._read_config(config_path, read_text)
        dotenv_path = next((root / name for name in dotenv_files if (root / name).is_file()), None)
        if dotenv_path is not None:
            collection.dotenv = parse_dotenv(read_text(dotenv_path))
        elif (root / EXAMPLE_DOTENV_FILE).is_file():
            with contextlib.suppress(OSError, UnicodeDecodeError):  # only a hint is lost
                collection.example_names = frozenset(parse_dotenv(read_text(root / EXAMPLE_DOTENV_FILE)))
        if (root / APP_FOLDER).is_dir():
            collection._read_app_environments(root / APP_FOLDER, read_text)
            if not collection.environments:
                collection._read_legacy_dotenv(root, read_text)
            if collection.default_env is None and "default" in collection.environments:
                collection.default_env = "default"  # the app's own choice when none is named
        return collection

    def _read_app_environments(self, folder: Path, read_text: ReadText) -> None:
        """The Voiden app's environment trees: `staging.eu` inherits `staging`'s variables; a private value
        wins over a public one (and is masked like `.env`)."""
        import json

        import yaml

        profiles: dict[str, dict[str, dict[str, Any]]] = {}
        for path in sorted(folder.glob("env-*.yaml")):
            match = _ENV_FILE.fullmatch(path.name)
            if match is None or match.group(1) == "default":  # `default` is reserved by the app
                continue
            try:
                tree = yaml.safe_load(read_text(path))
            except yaml.YAMLError as exc:
                raise TemplateError(f"{path}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
            profiles.setdefault(match.group(1) or "", {})[match.group(2)] = tree if isinstance(tree, dict) else {}
        for profile in sorted(profiles, key=lambda name: (name != "", name)):  # the default profile first
            trees = profiles[profile]
            public, private = trees.get("public", {}), trees.get("private", {})
            prefix = f"{profile}/" if profile else ""
            for name, variables in _flatten(_merge(public, private), prefix, {}):
                self.environments.setdefault(name, {}).update(variables)
            for _, variables in _flatten(private, prefix, {}):
                self.private.update({k: str(v) for k, v in variables.items() if v is not None})
        runtime = folder / ".process.env.json"
        if runtime.is_file():
            try:
                data = json.loads(read_text(runtime))
            except ValueError:
                raise TemplateError(f"{runtime}: not valid JSON") from None
            flat = data.get("__global__", data) if isinstance(data, dict) else {}
            self.runtime = {f"process.{k}": v for k, v in flat.items() if not isinstance(v, dict)}

    def _read_legacy_dotenv(self, root: Path, read_text: ReadText, depth: int = 3) -> None:
        """The app's fallback when no YAML environment exists: `.env.staging` is the environment `staging`,
        `.env.staging.eu` is `staging.eu` over it (`.env` itself is under both). Files are looked for in the
        project (a few folders deep, not in hidden folders or node_modules); the one nearest the root wins.
        Values named like secrets (token, password, key...) are masked like those of `.env`."""
        files: dict[str, Path] = {}
        for folder, folders, names in os.walk(root):
            level = len(Path(folder).relative_to(root).parts)
            folders[:] = [] if level >= depth else sorted(f for f in folders if f[0] != "." and f not in _LEGACY_SKIP)
            for name in sorted(names):
                if name.startswith(".env.") and name.rsplit(".", 1)[-1] not in ("example", "sample", "template"):
                    files.setdefault(name[len(".env.") :], Path(folder) / name)
        values = {name: parse_dotenv(read_text(path)) for name, path in files.items()}
        for name in values:
            parts = name.split(".")
            merged: dict[str, Any] = {}
            for end in range(1, len(parts) + 1):
                merged.update(values.get(".".join(parts[:end]), {}))
            self.environments[name] = merged
            # ordinary environments in the app (its secrets live in env-private.yaml): only what is named
            # like a secret is masked, so that output stays readable (FORMAT.md section 5)
            self.private.update({k: v for k, v in values[name].items() if secret_name(k)})

    def _read_config(self, path: Path, read_text: ReadText) -> None:
        try:
            data = tomllib.loads(read_text(path))
        except tomllib.TOMLDecodeError as exc:
            raise TemplateError(f"{path}: not valid TOML ({exc})") from None
        envs = data.get("env", {})
        if not isinstance(envs, dict) or not all(isinstance(v, dict) for v in envs.values()):
            raise TemplateError(f"{path}: environments are tables such as [env.dev] with name = value lines")
        self.environments = envs
        default = data.get("default_env")
        self.default_env = str(default) if default is not None else None
        locale = data.get("locale")
        self.locale = str(locale) if locale is not None else None

    def environment(self, name: str | None) -> dict[str, Any]:
        if name is None:
            return {}
        if name not in self.environments:
            known = ", ".join(sorted(self.environments)) or "none"
            where = self.root / CONFIG_FILE if self.root else CONFIG_FILE
            raise TemplateError(f"no environment `{name}` in {where} (environments: {known})")
        return self.environments[name]


def _merge(public: dict[str, Any], private: dict[str, Any]) -> dict[str, Any]:
    """One environment tree from both files: a private variable wins over a public one at the same node."""
    merged = {name: dict(node) for name, node in public.items() if isinstance(node, dict)}
    for name, node in private.items():
        if not isinstance(node, dict):
            continue
        target = merged.setdefault(name, {})
        target["variables"] = {**(target.get("variables") or {}), **(node.get("variables") or {})}
        if isinstance(node.get("children"), dict):
            target["children"] = _merge(target.get("children") or {}, node["children"])
    return merged


def _flatten(tree: dict[str, Any], prefix: str, inherited: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """`{staging: {variables, children: {eu: ...}}}` -> [("staging", vars), ("staging.eu", vars + its own)]."""
    found = []
    for name, node in tree.items():
        if not isinstance(node, dict):
            continue
        path = f"{prefix}{name}"
        variables = {**inherited, **(node.get("variables") or {})}
        if not node.get("intermediate"):
            found.append((path, variables))
        children = node.get("children")
        if isinstance(children, dict):
            found += _flatten(children, f"{path}.", variables)
    return found


_SECRET_WORDS = re.compile(
    r"token|secret|passw(?:or)?d|passwd|pwd|key|auth|credential|cookie|session|private|signature", re.IGNORECASE
)


def secret_name(name: str) -> bool:
    """A variable whose name reads as a secret's, in any case or position (`API_KEY`, `authToken`)."""
    return _SECRET_WORDS.search(name) is not None


def find_root(document: Path | None, workspace: Path | None = None) -> Path | None:
    start = document.parent if document is not None else workspace
    if start is not None:
        for folder in (start, *start.parents):
            if (folder / CONFIG_FILE).is_file() or (folder / APP_FOLDER).is_dir():
                return folder
            if workspace is not None and folder == workspace:
                break
    return workspace if workspace is not None else start


def dotenv_value(value: str) -> str:
    """A `.env` value that `parse_dotenv` takes back as it is: bare when it can be, else in single quotes
    (read literally), else in double quotes with `"` escaped."""
    if re.fullmatch(r"[^\s'\"#\\]*", value):
        return value
    if "'" not in value:
        return f"'{value}'"
    return '"' + value.replace('"', '\\"') + '"'


def parse_dotenv(text: str) -> dict[str, str]:
    """`KEY=value` lines; `#` comments, `export`, and single or double quotes are understood."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _DOTENV_LINE.match(line)
        if not match:
            continue
        key, value = match.group(1), match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            quote, value = value[0], value[1:-1]
            if quote == '"':
                value = value.replace("\\n", "\n").replace('\\"', '"')
        else:
            comment = _COMMENT.search(value)
            value = value[: comment.start()].rstrip() if comment else value
        values[key] = value
    return values


def collection_root(document: Path, workspace: Path | None = None) -> Path:
    """The document's collection root (see `find_root`; the document's folder when there is none), resolved."""
    return (find_root(document.resolve(), workspace) or document.resolve().parent).resolve()


def void_context(
    document: Path, workspace: Path | None = None
) -> tuple[Callable[[str], str | None], list[str], str, str]:
    """What a `.void` document reads from its collection, the root found once: its files by root-relative
    path, the inherited config above it, the root as a path from its folder, and its own path from the root
    (`parse_document`'s and `convert_void`'s arguments after the text)."""
    root = collection_root(document, workspace)
    return (
        _files_under(root),
        _inherited_up_to(document, root),
        _root_from(document, root),
        _path_in(document, root),
    )


def collection_files(document: Path, workspace: Path | None = None) -> Callable[[str], str | None]:
    """Reads the collection's files by root-relative path (`/blocks/auth.void`), never outside the root:
    what `.void` linked blocks point at."""
    return _files_under(collection_root(document, workspace))


def _files_under(root: Path) -> Callable[[str], str | None]:
    def load(relative: str) -> str | None:
        target = (root / relative.lstrip("/")).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return None
        return target.read_text(encoding="utf-8")

    return load


def root_from(document: Path, workspace: Path | None = None) -> str:
    """The collection root as a path from the document's folder (`.`, `..`): the Voiden app writes file paths
    from the root."""
    return _root_from(document, collection_root(document, workspace))


def _root_from(document: Path, root: Path) -> str:
    return os.path.relpath(root, document.resolve().parent)


def path_in_collection(document: Path, workspace: Path | None = None) -> str:
    """The document's path as the Voiden app writes it: from the collection root, with a leading `/`."""
    return _path_in(document, collection_root(document, workspace))


def _path_in(document: Path, root: Path) -> str:
    """Empty for a document outside its root (one opened from outside the editor's workspace folder)."""
    document = document.resolve()
    return "/" + document.relative_to(root).as_posix() if document.is_relative_to(root) else ""


def inherited_texts(document: Path, workspace: Path | None = None, name: str = ".voiden-inherited.void") -> list[str]:
    """The Voiden app's inherited-config files from the document's folder up to the collection root,
    closest first."""
    return _inherited_up_to(document, collection_root(document, workspace), name)


def _inherited_up_to(document: Path, root: Path, name: str = ".voiden-inherited.void") -> list[str]:
    start = document.resolve().parent
    texts = []
    for folder in (start, *start.parents):
        candidate = folder / name
        if candidate.is_file() and candidate.resolve() != document.resolve():
            texts.append(candidate.read_text(encoding="utf-8"))
        if folder == root:
            break
    return texts

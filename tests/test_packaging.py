"""The release as a user gets it: the wheel and sdist `python -m build` makes, checked by twine, installed into a
new virtual environment (and by pipx), with nothing of this checkout on the path."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path

import pytest

import voiden_lsp
from voiden_lsp.demo.grpc_server import DemoGrpcServer

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_JSON = ROOT / "editor-client" / "vscode" / "package.json"
pytestmark = pytest.mark.time_limit(900)  # pip fetches the dependencies: minutes on a cold cache


def quiet_env(**extra: str) -> dict[str, str]:
    """No checkout on the path: PYTHONPATH dropped, run from a folder of its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, "NO_COLOR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", **extra}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    (found,) = dist.glob("*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A new virtual environment with only the wheel (and what it requires, from the index) installed."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home / "env", with_pip=True, symlinks=True)
    subprocess.run(
        [str(home / "env" / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
        env=quiet_env(),
        cwd=home,
    )
    yield home / "env" / "bin"


def test_build_makes_a_wheel_and_sdist_that_twine_passes(dist: Path) -> None:
    files = sorted(p.name for p in dist.iterdir())
    version = voiden_lsp.__version__
    assert files == [f"voiden_lsp-{version}-py3-none-any.whl", f"voiden_lsp-{version}.tar.gz"]
    check = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("PASSED") == 2, check.stdout


def test_the_wheel_metadata_is_complete_and_its_extras_real(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = Parser().parsestr(archive.read(f"voiden_lsp-{voiden_lsp.__version__}.dist-info/METADATA").decode())
    assert metadata["Name"] == "voiden-lsp"
    assert metadata["Version"] == voiden_lsp.__version__
    assert metadata["Requires-Python"] == ">=3.11"
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert "# voiden-lsp" in (metadata.get_payload() or "")  # the README is the description
    classifiers = metadata.get_all("Classifier") or []
    assert "Programming Language :: Python :: 3.11" in classifiers and "Typing :: Typed" in classifiers
    assert not metadata.get_all("Project-URL")  # no public home yet: no link that leads nowhere
    assert metadata.get_all("Provides-Extra") == ["mcp", "load", "test"]  # `voiden mcp` and `voiden load`
    requires = metadata.get_all("Requires-Dist") or []
    assert any(r.startswith("grpcio-tools") and "extra" not in r for r in requires)  # `@proto` works as installed
    assert any(r.startswith("mcp") and 'extra == "mcp"' in r for r in requires)
    # what `voiden demo` and a typed consumer need ride along
    for name in ["voiden_lsp/py.typed", "voiden_lsp/demo/routeguide.protoset", "voiden_lsp/examples/voiden.toml"]:
        assert name in names
    assert f"voiden_lsp-{voiden_lsp.__version__}.dist-info/licenses/LICENSE" in names
    examples = {n.rsplit("/", 1)[1] for n in names if n.startswith("voiden_lsp/examples/") and n.endswith(".voiden")}
    assert examples == {p.name for p in (ROOT / "examples").glob("*.voiden")}


def test_one_version_for_the_package_and_the_extension() -> None:
    assert json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))["version"] == voiden_lsp.__version__


def test_installed_wheel_runs_a_request_the_demo_and_the_language_server(installed: Path, tmp_path: Path) -> None:
    env = quiet_env()
    for program, name in [("voiden", "voiden"), ("voiden-lsp", "voiden-lsp")]:
        out = subprocess.run([str(installed / program), "--version"], capture_output=True, text=True, env=env)
        assert out.stdout.strip() == f"{name} {voiden_lsp.__version__}", out.stderr
    # the package answers from the venv, not from this checkout
    where = subprocess.run(
        [str(installed / "python"), "-c", "import voiden_lsp; print(voiden_lsp.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert Path(where.stdout.strip()).is_relative_to(installed.parent), where.stdout
    # a gRPC call through reflection, against a demo server this test started
    with DemoGrpcServer() as server:
        doc = tmp_path / "get.voiden"
        doc.write_text(
            f"```grpc name=get\ngrpc://{server.address} routeguide.RouteGuide/GetFeature\n\n"
            '{"latitude": 40, "longitude": -74}\n```\n',
            encoding="utf-8",
        )
        run = subprocess.run(
            [str(installed / "voiden"), "run", str(doc), "--json"],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
        )
    assert run.returncode == 0, run.stderr
    events = [json.loads(line) for line in run.stdout.splitlines()]
    received = [e["data"] for e in events if e["kind"] == "received"]
    assert received and received[0]["name"] == "Feature at 40,-74", events
    assert [e["code"] for e in events if e["kind"] == "status"] == ["OK"]
    # the demo, from the examples the wheel carries, in a folder with no examples/ of its own
    demo = subprocess.run(
        [str(installed / "voiden"), "demo"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=180
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr
    # it ends with a tally, a line per document, and the servers' addresses last, naming the command as run
    tally = demo.stdout[demo.stdout.index("━━ demo finished ━━") :].splitlines()
    assert [line.split()[0] for line in tally[1:9]] == sorted(p.name for p in (ROOT / "examples").glob("*.voiden"))
    assert all(line.endswith("all completed") for line in tally[1:9]), tally
    assert re.fullmatch(r"demo finished: \d+ requests in 8 documents, every request completed", tally[9]), tally
    assert tally[10].startswith("the demo servers were: HTTP + SSE + GraphQL http://127.0.0.1:"), tally
    assert re.search(r"`\S*/voiden demo --serve` keeps them running", tally[10]), tally
    # the language server answers initialize over stdio
    assert lsp_initialize(installed / "voiden-lsp", env, tmp_path)["serverInfo"]["name"] == "voiden-lsp"


def lsp_initialize(program: Path, env: dict[str, str], cwd: Path) -> dict[str, object]:
    def frame(message: dict[str, object]) -> bytes:
        body = json.dumps(message).encode()
        return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)

    messages = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"processId": None, "rootUri": None, "capabilities": {}},
        },
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ]
    out = subprocess.run(
        [str(program)], input=b"".join(map(frame, messages)), capture_output=True, env=env, cwd=cwd, timeout=60
    )
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    for chunk in out.stdout.split(b"Content-Length: ")[1:]:
        body = json.loads(chunk.split(b"\r\n\r\n", 1)[1])
        if body.get("id") == 1:
            return dict(body["result"])
    raise AssertionError(f"no answer to initialize: {out.stdout[:2000]!r}")


def test_pipx_installs_the_wheel(wheel: Path, tmp_path: Path) -> None:
    env = quiet_env(
        PIPX_HOME=str(tmp_path / "pipx"), PIPX_BIN_DIR=str(tmp_path / "bin"), PIPX_MAN_DIR=str(tmp_path / "man")
    )
    subprocess.run(
        [sys.executable, "-m", "pipx", "install", str(wheel)], check=True, capture_output=True, env=env, timeout=600
    )
    for program in ["voiden", "voiden-lsp"]:
        out = subprocess.run([str(tmp_path / "bin" / program), "--version"], capture_output=True, text=True, env=env)
        assert out.stdout.strip() == f"{program} {voiden_lsp.__version__}", out.stderr

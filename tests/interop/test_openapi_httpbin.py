"""An OpenAPI spec nobody here wrote (httpbin's, from APIs.guru, as Yaak's importer tests keep it) imported,
then run against the real httpbin: every request is sent, and its `expect status == ...` line (the status
the spec documents as success) holds for every operation whose spec says enough to call it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.helpers import voiden
from tests.interop.conftest import Reference

SPEC = Path(__file__).resolve().parents[1] / "formats" / "corpus" / "openapi" / "yaak-httpbin.yaml"

#: What the spec does not say, so no importer can: the auth endpoints declare no security scheme (httpbin
#: answers 401, or 404 for the hidden one), /image needs an Accept header it does not list, and /status
#: takes any string where httpbin wants status codes.
UNDERSPECIFIED = {
    "get-basic-auth-user-passwd",
    "get-bearer",
    "get-digest-auth-qop-user-passwd",
    "get-digest-auth-qop-user-passwd-algorithm",
    "get-digest-auth-qop-user-passwd-algorithm-stale-after",
    "get-hidden-basic-auth-user-passwd",
    "get-image",
    *(f"{m}-status-codes" for m in ("get", "put", "post", "delete", "patch", "trace")),
}


def test_the_httpbin_spec_imported_passes_against_httpbin(httpbin: Reference, tmp_path: Path) -> None:
    imported = voiden("import", str(SPEC), "--out", str(tmp_path))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    config = tmp_path / "voiden.toml"
    assert 'default_env = "default"' in config.read_text() and 'base_url = "https://httpbin.org"' in config.read_text()
    config.write_text(config.read_text() + f'\n[env.local]\nbase_url = "http://{httpbin.address}"\n')
    documents = sorted(p.name for p in tmp_path.glob("*.voiden"))
    assert len(documents) == 11, documents  # a document per tag
    report = tmp_path / "report.json"
    # /delay/{n} waits up to 10 s each (n is fake data): that document runs without those six
    quick = [d for d in documents if d != "dynamic-data.voiden"]
    voiden("test", *quick, "--env", "local", "--jobs", "2", "--report", f"json:{report}", cwd=tmp_path)
    verdicts = {
        case["name"]: case["passed"] for doc in json.loads(report.read_text())["documents"] for case in doc["requests"]
    }
    dynamic = (tmp_path / "dynamic-data.voiden").read_text()
    names = [n for n in re.findall(r"name=(\S+)", dynamic) if "delay" not in n]
    ran = voiden("run", "dynamic-data.voiden", *names, "--env", "local", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    failed = {name for name, passed in verdicts.items() if not passed}
    assert failed == UNDERSPECIFIED, failed
    assert len(verdicts) + len(names) >= 65

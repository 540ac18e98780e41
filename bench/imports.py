"""Import speed, each a whole `voiden import` process beside the floor measured in the same run (a Python
process that only parses the same source). Wall and CPU time, best of 3.

- postman: a 10 MB collection (the corpus's complex export, repeated into 50 folders); budget 3 s.
- openapi: 1,000 operations (the corpus's petstore, its paths repeated) in YAML; budget 5 s.

    .venv/bin/python bench/imports.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "formats" / "corpus" / "postman" / "insomnia-complex-v2_1-input.json"
PETSTORE = ROOT / "tests" / "formats" / "corpus" / "openapi" / "yaak-petstore.yaml"
BUDGET = 3.0
OPENAPI_BUDGET = 5.0


def collection(size: int) -> str:
    data = json.loads(SOURCE.read_text(encoding="utf-8"))
    items: list[dict[str, object]] = []
    while len(items) * 520 < size:  # ~520 bytes an item
        for item in data["item"]:
            copy = json.loads(json.dumps(item))
            copy["name"] = f"{copy['name']} {len(items)}"
            items.append(copy)
    data["item"] = [{"name": f"folder {k}", "item": items[k::50]} for k in range(50)]
    return json.dumps(data)


def timed(command: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of a child process, best of 3."""
    best = (float("inf"), float("inf"))
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=False, capture_output=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best = min(best, (wall, cpu))
    return best


def main() -> None:
    text = collection(10_000_000)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "big.postman_collection.json"
        source.write_text(text, encoding="utf-8")
        out = Path(folder) / "out"
        floor = timed([sys.executable, "-c", f"import json; json.load(open({str(source)!r}))"])
        ours = timed([sys.executable, "-m", "voiden_lsp.cli", "import", str(source), "--out", str(out), "--force"])
        requests = sum(f.read_text(encoding="utf-8").count("\n```http") for f in out.rglob("*.voiden"))
        requests += sum(f.read_text(encoding="utf-8").count("\n```graphql") for f in out.rglob("*.voiden"))
    size = len(text) / 1e6
    print(f"postman import, {size:.1f} MB, {requests:,} requests (best of 3; budget {BUDGET:g} s)")
    print(f"  json.load alone (the floor): {floor[0]:.2f} s wall, {floor[1]:.2f} s CPU")
    ratio = ours[0] / floor[0]
    print(f"  voiden import:               {ours[0]:.2f} s wall, {ours[1]:.2f} s CPU  = {ratio:.1f}x the floor")
    print(f"  {'within' if ours[0] < BUDGET else 'OVER'} the budget")
    openapi()


def openapi() -> None:
    import yaml

    spec = yaml.safe_load(PETSTORE.read_text(encoding="utf-8"))
    paths = dict(spec["paths"])
    operations = sum(
        len([m for m in item if m in ("get", "put", "post", "delete", "patch")]) for item in paths.values()
    )
    copies = -(-1000 // operations)
    spec["paths"] = {f"/v{n}{route}": item for n in range(copies) for route, item in paths.items()}
    total = operations * copies
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "big.yaml"
        dumper = type("NoAliases", (yaml.SafeDumper,), {"ignore_aliases": lambda self, data: True})
        source.write_text(yaml.dump(spec, Dumper=dumper, sort_keys=False), encoding="utf-8")
        floor = timed([sys.executable, "-c", f"import yaml; yaml.safe_load(open({str(source)!r}))"])
        out = Path(folder) / "out"
        ours = timed([sys.executable, "-m", "voiden_lsp.cli", "import", str(source), "--out", str(out), "--force"])
        written = sum(f.read_text(encoding="utf-8").count("\n```http") for f in out.rglob("*.voiden"))
    assert written == total, f"{written} of {total} operations imported"
    print(f"openapi import, {total:,} operations (best of 3; budget {OPENAPI_BUDGET:g} s)")
    print(f"  yaml.safe_load alone (the floor): {floor[0]:.2f} s wall, {floor[1]:.2f} s CPU")
    ratio = ours[0] / floor[0]
    print(f"  voiden import:                    {ours[0]:.2f} s wall, {ours[1]:.2f} s CPU  = {ratio:.1f}x the floor")
    print(f"  {'within' if ours[0] < OPENAPI_BUDGET else 'OVER'} the budget")


if __name__ == "__main__":
    main()

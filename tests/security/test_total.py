"""Any text gives a document with every request that can be read, and problems for the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from voiden_lsp.document import parse
from voiden_lsp.formats import parse_document

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "voiden-app-samples"
REQUEST = "```http\nGET http://127.0.0.1:9/\n```\n"


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.void")), ids=lambda p: p.name)
def test_every_truncation_of_an_app_file_reads(sample: Path) -> None:
    """A file cut anywhere (a sync in progress, a bad merge) reads without an internal error."""
    text = sample.read_text(encoding="utf-8")
    whole = len(parse_document(text, sample.name).requests)
    step = max(1, len(text) // 60)
    for cut in [*range(0, len(text), step), len(text)]:
        doc = parse_document(text[:cut], sample.name)
        internal = [p.message for p in doc.problems if "internal" in p.message or "could not be read" in p.message]
        assert not internal, (cut, internal)
        assert len(doc.requests) <= whole
    assert len(parse_document(text, sample.name).requests) == whole


@pytest.mark.parametrize(
    "front",
    [
        "when: 2024-13-45",  # PyYAML raises ValueError, not YAMLError
        "deep: " + "[" * 3000,  # RecursionError
        'run: !!python/object/apply:os.system ["touch pwned"]',  # safe_load refuses to build objects
        "vars: [",
    ],
)
def test_a_bad_front_matter_value_keeps_the_requests(front: str) -> None:
    doc = parse(f"---\n{front}\n---\n{REQUEST}")
    assert [r.name for r in doc.requests] == ["request-1"]
    assert any(p.code == "front-matter" and p.range.start.line <= 2 for p in doc.problems)
    void = parse_document(f"---\n{front}\n---\n\n```void\n---\ntype: request\n---\n```\n", "x.void")
    assert not [p for p in void.problems if "internal" in p.message]


def test_a_void_block_nested_deep_is_a_problem_on_its_range() -> None:
    text = "```void\n---\ntype: request\nattrs: " + "[" * 3000 + "\n---\n```\n"
    doc = parse_document(text, "x.void")
    assert any(p.code == "void-yaml" and p.range.start.line == 0 for p in doc.problems), doc.problems


def test_many_flow_mappings_side_by_side_are_not_deep_nesting() -> None:
    """Only nesting is refused: 150 `{}` side by side in one block read as YAML."""
    siblings = ", ".join(["{}"] * 150)
    text = f"```void\n---\ntype: request\nattrs:\n  rows: [{siblings}]\n---\n```\n"
    doc = parse_document(text, "x.void")
    assert not [p for p in doc.problems if p.code == "void-yaml"], doc.problems

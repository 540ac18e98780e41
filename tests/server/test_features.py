"""Feature logic that needs no editor: sample data, semantic tokens, what re-checking reuses."""

from __future__ import annotations

import json
from pathlib import Path

from voiden_lsp.document import parse
from voiden_lsp.schema import load_protoset
from voiden_lsp.server.features.diagnostics import Checked, problems
from voiden_lsp.server.features.sample_data import render, sample
from voiden_lsp.server.features.semantic import TOKEN_TYPES, tokens
from voiden_lsp.templating import Scope, expand

PROTOSET = Path(__file__).resolve().parents[2] / "voiden_lsp" / "demo" / "routeguide.protoset"


def test_sample_data_fills_every_field_and_expands_to_a_valid_message() -> None:
    schema = load_protoset(PROTOSET)
    feature = schema.message("routeguide.Feature")
    text = render(sample(feature))
    assert '"name": "{{$faker.name}}"' in text and '"createdAt": "{{$isoTimestamp}}"' in text
    assert '"kind": "LANDMARK"' in text and '"reviews": [' in text and '"attributes": {' in text
    assert '"description"' in text and '"elevationMeters"' not in text  # one member of the oneof
    expanded = expand(text, Scope(layers=[]), json_mode=True)
    message = schema.parse_json(feature, expanded)  # raises if any value does not fit
    data = schema.to_dict(message)
    assert "@" not in data["name"] and isinstance(data["location"]["latitude"], int)
    assert json.loads(expanded)["tags"] and data["reviews"][0]["stars"] >= 1


def test_semantic_tokens_are_sorted_relative_and_typed() -> None:
    doc = parse('```http name=x\n@timeout 5s\nPOST {{base}}/u\nX-Id: {{$uuid}}\n\n{"n": {{$faker.pyint}}}\n```\n')
    data = tokens(doc)
    assert len(data) % 5 == 0
    decoded, line, col = [], 0, 0
    for i in range(0, len(data), 5):
        dl, dc, length, kind, _ = data[i : i + 5]
        line, col = line + dl, (col + dc if dl == 0 else dc)
        decoded.append((line, col, length, TOKEN_TYPES[kind]))
    assert decoded == [
        (0, 3, 4, "keyword"),
        (1, 0, 8, "decorator"),
        (2, 0, 4, "keyword"),
        (2, 5, 8, "variable"),
        (3, 0, 4, "property"),
        (3, 6, 9, "macro"),
        (5, 6, 16, "function"),
    ]


def test_vs_code_colours_each_semantic_token_as_the_grammar_colours_the_same_text() -> None:
    """With the server running VS Code paints semantic tokens; without a scope of our own for each type, a
    theme with no rule for `property` or `variable` showed header names and request-line templates plain,
    where the grammar alone colours them. Each type maps onto the grammar's own scope for that text."""
    root = Path(__file__).resolve().parents[2]
    manifest = json.loads((root / "editor-client" / "vscode" / "package.json").read_text(encoding="utf-8"))
    (mapping,) = manifest["contributes"]["semanticTokenScopes"]
    grammar = (root / "grammars" / "voiden.tmLanguage.json").read_text(encoding="utf-8")
    assert mapping["language"] == "voiden" and set(mapping["scopes"]) == set(TOKEN_TYPES)
    for scopes in mapping["scopes"].values():
        assert all(f'"{scope}"' in grammar for scope in scopes), scopes


def test_a_recheck_reuses_untouched_requests_and_finds_what_a_fresh_check_finds() -> None:
    section = (
        "## {n}\n\n```ws name=w{n}\nws://127.0.0.1:9/{{{{base}}}}\nX-N: {{{{$faker.nope}}}}\n\n"
        '{{"a": }}\n```\n\n```message\n{{"m": {{{{missing}}}}}}\n```\n\n'
    )
    text = "".join(section.format(n=n) for n in range(6))
    checked = Checked()
    versions = [
        text,
        "Three new\nlines\nabove.\n" + text,  # every request moves
        text.replace("{{base}}", "x", 1),  # one request changes
        text.replace("```message\n", "```message\n\n", 3),  # message blocks grow a line
    ]
    for version in versions:
        doc = parse(version)
        base = Scope(layers=[("doc", {"base": "p"})])
        scopes = {r.name: base for r in doc.requests}
        found = problems(doc, scopes, checked)
        assert found == problems(doc, scopes)
        lines = version.split("\n")
        at = [lines[p.range.start.line][p.range.start.character : p.range.end.character] for p in found]
        assert sorted(set(at)) == ["{{$faker.nope}}", "{{missing}}", "}"], at  # each on the text it is about
    assert len(problems(doc, scopes)) == 6 * 3  # an unknown provider, bad JSON, an undefined variable
    other = Scope(layers=[("doc", {"base": "p", "missing": 1})])  # variables changed: nothing stale is reused
    assert problems(doc, dict.fromkeys(scopes, other), checked) == problems(doc, dict.fromkeys(scopes, other))
    assert len(problems(doc, dict.fromkeys(scopes, other), checked)) == 6 * 2

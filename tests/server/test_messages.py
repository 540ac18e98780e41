"""What the checks say, said once and only when it helps."""

from __future__ import annotations

from pathlib import Path

from voiden_lsp.schema import load_protoset
from voiden_lsp.server.features.grpc_support import check_json
from voiden_lsp.templating import Scope, problem_of

PROTOSET = Path(__file__).resolve().parents[2] / "voiden_lsp" / "demo" / "routeguide.protoset"


def test_a_field_suggestion_names_each_field_once() -> None:
    schema = load_protoset(PROTOSET)
    (problem,) = check_json('{"longitud": 1}', schema, schema.message("routeguide.Point"))
    assert problem.message == "`Point` has no field `longitud`; did you mean `longitude`, `latitude`?"


def test_a_variable_suggestion_is_offered_only_for_a_likely_typo() -> None:
    scope = Scope(layers=[("front matter", {"base_url": "x", "user_id": 1})])
    assert problem_of("ws_url", scope) == (
        "undefined variable `ws_url` (define it in the front matter `vars`, voiden.toml, .env, or pass --var)"
    )
    assert "did you mean `base_url`?" in str(problem_of("base_ur", scope))
    assert "did you mean `user_id`?" in str(problem_of("userId", scope))

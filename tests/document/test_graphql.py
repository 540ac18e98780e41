"""`graphql` / `gql` requests: the request line, the GraphQL document read by graphql-core with ranges into it,
`variables` blocks, `@operation`, and the problems of each (FORMAT.md section 9)."""

from __future__ import annotations

from voiden_lsp.document import parse
from voiden_lsp.document.model import Position, Range

DOC = """# Countries

```graphql name=country
POST https://api.example.com/graphql
Authorization: Bearer {{token}}

query Country($code: ID!, $lang: String = "en") {
  country(code: $code) { name capital }
}
```

```variables
{"code": "{{$faker.country_code}}"}
```
"""


def codes(text: str) -> list[str]:
    return [p.code for p in parse(text).problems]


def test_a_query_with_variables_reads_into_operations_with_ranges() -> None:
    doc = parse(DOC)
    assert doc.problems == []
    (request,) = doc.requests
    assert (request.protocol, request.method, request.target and request.target.text) == (
        "graphql",
        "POST",
        "https://api.example.com/graphql",
    )
    assert [h.name for h in request.headers] == ["Authorization"]
    assert request.graphql is not None
    (operation,) = request.graphql.operations
    assert (operation.kind, operation.name) == ("query", "Country")
    assert operation.range == Range(Position(6, 0), Position(8, 1))
    assert operation.name_range == Range(Position(6, 6), Position(6, 13))
    assert [(v.name, v.type) for v in operation.variables] == [("code", "ID!"), ("lang", "String")]
    assert operation.variables[0].range == Range(Position(6, 14), Position(6, 24))
    assert request.variables is not None and request.variables.text == '{"code": "{{$faker.country_code}}"}'
    assert request.variables.range.start == Position(12, 0)


def test_gql_alias_get_and_the_default_post() -> None:
    doc = parse(
        "```gql name=a\nGET http://h/graphql\n\n{ a }\n```\n\n```graphql name=b\nhttp://h/graphql\n\n{ b }\n```\n"
    )
    assert [(r.protocol, r.method) for r in doc.requests] == [("graphql", "GET"), ("graphql", "POST")]
    assert doc.problems == []
    assert codes("```graphql name=a\nPUT http://h/graphql\n\n{ a }\n```\n") == ["bad-method"]


def test_a_syntax_error_is_a_problem_at_its_place_and_the_request_stays() -> None:
    text = "```graphql name=q\nhttp://h/graphql\n\nquery {\n  country(code: ) { name }\n}\n```\n"
    doc = parse(text)
    (problem,) = doc.problems
    assert problem.code == "graphql-syntax" and problem.message.startswith("Unexpected")
    assert problem.range.start == Position(4, 16)  # the `)` where a value should be
    assert doc.requests[0].name == "q"


def test_operations_picked_by_operation_and_the_problems_of_choosing() -> None:
    two = "```graphql name=q\nhttp://h/graphql\n{meta}\nquery A {{ a }}\nquery B {{ b }}\n```\n"
    assert codes(two.format(meta="")) == ["graphql-operation"]
    assert "pick one with `@operation NAME` (A, B)" in parse(two.format(meta="")).problems[0].message
    assert codes(two.format(meta="@operation B\n")) == []
    missing = parse(two.format(meta="@operation C\n")).problems
    assert [p.code for p in missing] == ["graphql-operation"] and "no operation `C`" in missing[0].message
    assert codes("```graphql name=q\nhttp://h/graphql\n\nfragment F on T { a }\n```\n") == ["graphql-no-operation"]
    assert codes("```graphql name=q\nhttp://h/graphql\n```\n") == ["graphql-no-operation"]


def test_a_subscription_needs_a_websocket_url() -> None:
    sub = "```graphql name=s\n{url}\n\nsubscription {{ ticks }}\n```\n"
    assert codes(sub.format(url="http://h/graphql")) == ["graphql-subscription-http"]
    assert codes(sub.format(url="ws://h/graphql")) == []


def test_variables_blocks_belong_to_a_graphql_request() -> None:
    assert codes("```http name=h\nGET http://h/\n```\n\n```variables\n{}\n```\n") == ["orphan-variables"]
    assert codes("```variables\n{}\n```\n") == ["orphan-variables"]
    twice = "```graphql name=q\nhttp://h/g\n\n{ a }\n```\n\n```variables\n{}\n```\n\n```variables\n{}\n```\n"
    assert codes(twice) == ["duplicate-variables"]


def test_an_edit_above_moves_a_kept_graphql_request_and_its_ranges() -> None:
    """Sections are parsed once and moved: the operations' ranges move with the request."""
    before = parse(DOC)
    after = parse("# Intro\n\nA line.\n\n" + DOC)
    (op_before,) = before.requests[0].graphql.operations  # type: ignore[union-attr]
    (op_after,) = after.requests[0].graphql.operations  # type: ignore[union-attr]
    assert op_after.range == op_before.range.moved(4)
    assert after.requests[0].variables is not None and after.requests[0].variables.range.start == Position(16, 0)


def test_no_graphql_text_can_hang_or_crash_the_parser() -> None:
    deep = "```graphql name=x\nhttp://h/g\n\nquery " + "{a" * 20_000 + "}" * 20_000 + "\n```\n"
    (problem,) = parse(deep).problems
    assert problem.code == "graphql-syntax" and "nested too deeply" in problem.message
    long = "```graphql name=x\nhttp://h/g\n\n{ " + "a " * 600_000 + "}\n```\n"
    assert codes(long) == ["graphql-too-long"]

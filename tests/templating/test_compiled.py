"""A request read once for a load run's thousands of sends renders what render_request renders: the fixed parts
once, fake data and response references afresh at every send, placed as expand places them."""

from __future__ import annotations

import json

from voiden_lsp.document import parse
from voiden_lsp.templating import Response, Scope, compile_request, render_request


def scope(**values: object) -> Scope:
    return Scope(layers=[("test", values)], process_env={"TOKEN_ENV": "from-env"})


def one(text: str):  # type: ignore[no-untyped-def]
    return parse(text).requests[0]


FIXED = """```http name=r
POST {{base}}/users/{{id}}
  ?q={{q}}
Authorization: Basic {{user}}:{{password}}
X-Env: {{$env.TOKEN_ENV}}
Content-Type: application/json

{"id": {{id}}, "name": "{{name}}", "tags": {{tags}}}
```
"""


def test_a_request_without_fresh_values_renders_as_render_request() -> None:
    s = scope(base="http://h", id=7, q="a b", user="ada", password="pw", name='Ada "A"', tags='["x"]')
    request = one(FIXED)
    compiled = compile_request(request, s)
    assert compiled is not None
    assert not compiled.target.fresh and compiled.body is not None and not compiled.body.fresh
    assert compiled.render(s) == render_request(request, s)


FRESH = """```http name=r
POST http://h/items/{{$randomInt 1 9}}?at={{$timestamp}}
X-Request-Id: {{$uuid}}
Authorization: Basic ada:{{$randomInt 100 999}}
X-Fixed: {{fixed}}

{"n": {{$randomInt 1000 9999}}, "who": "{{$randomFirstName}} \\"{{fixed}}\\"", "ref": {{nested}}}
```
"""


def test_fresh_values_are_made_at_every_render_and_placed_as_expand_places_them() -> None:
    s = scope(fixed='say "hi"', nested="{{$randomInt 10 99}}")
    request = one(FRESH)
    compiled = compile_request(request, s)
    assert compiled is not None and compiled.target.fresh and compiled.body is not None and compiled.body.fresh
    renders = [compiled.render(s) for _ in range(30)]
    ids = {dict(r.headers)["X-Request-Id"] for r in renders}
    assert len(ids) == 30  # a new uuid each time
    for r in renders:
        body = json.loads(r.body or "")
        assert 1000 <= body["n"] <= 9999 and isinstance(body["n"], int)  # a whole JSON value stays a number
        assert body["who"].endswith(' "say "hi""') and len(body["who"]) > len(' "say "hi""')  # escaped in the string
        assert 10 <= body["ref"] <= 99  # a variable holding a template is made afresh too
        assert r.target.startswith("http://h/items/") and "?at=" in r.target
        scheme, _, token = dict(r.headers)["Authorization"].partition(" ")
        assert scheme == "Basic" and ":" not in token  # Basic credentials encoded at every render
        assert dict(r.headers)["X-Fixed"] == 'say "hi"'
    reference = render_request(request, s)
    assert [k for k, _ in reference.headers] == [k for k, _ in renders[0].headers]


def test_a_response_reference_is_read_at_every_render() -> None:
    request = one("```http name=r\nGET http://h/{{login.response.body.token}}\n```\n")
    responses: dict[str, Response] = {"login": Response(status=200, body='{"token": "one"}')}
    s = scope()
    s.responses = responses
    compiled = compile_request(request, s)
    assert compiled is not None and compiled.render(s).target == "http://h/one"
    responses["login"] = Response(status=200, body='{"token": "two"}')
    assert compiled.render(s).target == "http://h/two"


def test_requests_it_does_not_read_are_rendered_whole() -> None:
    graphql = one("```graphql name=g\nPOST http://h/graphql\n\n{ a }\n```\n")
    multipart = one(
        "```http name=m\nPOST http://h/up\nContent-Type: multipart/form-data; boundary=B\n\n"
        "--B\nContent-Disposition: form-data; name=a\n\n{{$uuid}}\n--B--\n```\n"
    )
    header_name = one("```http name=h\nGET http://h/\nX-{{$randomInt}}: 1\n```\n")
    for request in (graphql, multipart, header_name):
        assert compile_request(request, scope()) is None, request.name

"""Templates: variables in precedence order, environments, `.env` secrets, Faker, built-ins and response
references. Pure apart from reading the collection's two config files through an injected reader."""

from voiden_lsp.templating.capture import captured
from voiden_lsp.templating.collection import (
    APP_FOLDER,
    CONFIG_FILE,
    DOTENV_FILE,
    Collection,
    collection_files,
    dotenv_value,
    find_root,
    inherited_texts,
    parse_dotenv,
    path_in_collection,
    root_from,
    secret_name,
    void_context,
)
from voiden_lsp.templating.expand import evaluate, expand, looks_like_json, problem_of, to_json, to_text
from voiden_lsp.templating.resolve import (
    CompiledRequest,
    ResolvedRequest,
    compile_request,
    fresh_headers,
    render_message,
    render_request,
)
from voiden_lsp.templating.scan import Template, find_templates, iter_templates, split_call, template_at
from voiden_lsp.templating.scope import Response, Scope, basic_credential_secrets, mask_secrets, masked

__all__ = [
    "APP_FOLDER",
    "CONFIG_FILE",
    "DOTENV_FILE",
    "Collection",
    "CompiledRequest",
    "ResolvedRequest",
    "Response",
    "Scope",
    "Template",
    "basic_credential_secrets",
    "captured",
    "collection_files",
    "compile_request",
    "dotenv_value",
    "evaluate",
    "expand",
    "find_root",
    "find_templates",
    "fresh_headers",
    "inherited_texts",
    "iter_templates",
    "looks_like_json",
    "mask_secrets",
    "masked",
    "parse_dotenv",
    "path_in_collection",
    "problem_of",
    "render_message",
    "render_request",
    "root_from",
    "secret_name",
    "split_call",
    "template_at",
    "to_json",
    "to_text",
    "void_context",
]

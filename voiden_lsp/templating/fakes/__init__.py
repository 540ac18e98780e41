"""Fake data: Faker providers by name, the faker.js spelling of the Voiden app, and the Postman/Bruno
dynamic variables, all mapped onto Faker. Faker is imported on first use (it is slow to import)."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from voiden_lsp.errors import TemplateError
from voiden_lsp.templating.fakes.caps import MAX_FAKE_SIZE, check_sizes
from voiden_lsp.templating.fakes.dynamic import POSTMAN
from voiden_lsp.templating.fakes.fakerjs import FAKERJS
from voiden_lsp.templating.fakes.python import Args, Kwargs, Maker, faker_for, generator_for, python_providers

if TYPE_CHECKING:
    from faker import Faker

__all__ = [
    "FAKERJS",
    "MAX_FAKE_SIZE",
    "POSTMAN",
    "Args",
    "Kwargs",
    "Maker",
    "dynamic_maker",
    "dynamic_value",
    "fake_value",
    "faker_for",
    "known_fake",
    "python_providers",
]


def fake_value(path: str, args: Args, kwargs: Kwargs, locale: str | None) -> Any:
    """The value of `$faker.PATH(args)`: a Faker provider (`email`, `pyint`) or a faker.js method."""
    fake = generator_for(locale)
    if "." in path:
        maker = FAKERJS.get(path)
        if maker is None:
            raise TemplateError(_unknown(f"faker.js method `{path}`", path, FAKERJS))
        return _call_maker(maker, fake, args, kwargs, f"$faker.{path}")
    if path not in python_providers():
        raise TemplateError(_unknown(f"Faker provider `{path}`", path, python_providers()))
    provider = getattr(fake, path)
    check_sizes(provider, path, args, kwargs)
    try:
        return provider(*args, **kwargs)
    except (TypeError, ValueError, AttributeError) as exc:
        raise TemplateError(f"$faker.{path}: {exc}") from None


def dynamic_value(name: str, args: Args, locale: str | None) -> Any:
    """The value of a Postman/Bruno dynamic variable such as `$randomEmail`."""
    return dynamic_maker(name, args, locale)()


def dynamic_maker(name: str, args: Args, locale: str | None) -> Callable[[], Any]:
    """What makes values of a dynamic variable, its name and locale looked up once (a load run makes thousands)."""
    maker = POSTMAN.get(name)
    if maker is None:
        raise TemplateError(_unknown(f"dynamic variable `${name}`", name, POSTMAN, prefix="$"))
    fake = generator_for(locale)
    label = f"${name}"
    return lambda: _call_maker(maker, fake, args, {}, label)


def known_fake(path: str) -> bool:
    return path in FAKERJS if "." in path else path in python_providers()


def _call_maker(maker: Maker, fake: Faker, args: Args, kwargs: Kwargs, label: str) -> Any:
    try:
        return maker(fake, args, kwargs)
    except TemplateError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        raise TemplateError(f"{label}: cannot use these arguments ({exc})") from None


def _unknown(what: str, name: str, choices: Any, prefix: str = "") -> str:
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(f'`{prefix}{c}`' for c in close)}?" if close else ""
    return f"unknown {what}{hint}"

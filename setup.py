"""The one thing pyproject.toml cannot say: the repository's examples/ ship inside the package, as
voiden_lsp.examples, so that `voiden demo` works from an installed wheel. Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["voiden_lsp", "voiden_lsp.*"]),
        "voiden_lsp.examples",
        "voiden_lsp.examples.proto",
    ],
    package_dir={"voiden_lsp.examples": "examples"},
)

"""The API reference as readers see it: ``help()`` and the mkdocstrings pages.

The site is not built here (``mkdocs build --strict`` runs in ``./scripts/test``). These
tests check what the pages are made from: the ``:::`` blocks and their options in
``docs/reference/*.md``, and the objects griffe (mkdocstrings' loader) reads from ``src``.
"""

from __future__ import annotations

import inspect
import pydoc
import re
from pathlib import Path

import griffe
import pytest

import tokenclient.types.chat
from tokenclient import NOT_GIVEN
from tokenclient.resources.chat import AsyncCompletions, Completions
from tokenclient.types.chat_create_params import ChatCompletionCreateParams

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "reference"


def blocks(page: str) -> list[tuple[str, str]]:
    """Each ``::: identifier`` of a reference page with its indented options text."""
    text = (REFERENCE / page).read_text()
    found = re.findall(r"^::: (\S+)\n((?:    .*\n|\n)*)", text, flags=re.MULTILINE)
    return [(name, options) for name, options in found]


@pytest.mark.parametrize("method", [Completions.create, AsyncCompletions.create])
def test_help_shows_every_create_parameter_with_its_docstring(method: object) -> None:
    signature = inspect.signature(method)  # type: ignore[arg-type]  # a function
    keys = set(ChatCompletionCreateParams.__annotations__)
    assert keys | {"self", "stream"} == set(signature.parameters)
    assert "params" not in signature.parameters  # no **params: Unpack[...] left
    temperature = signature.parameters["temperature"]
    assert temperature.kind is inspect.Parameter.KEYWORD_ONLY
    assert (temperature.annotation, temperature.default) == (float | None, NOT_GIVEN)
    assert signature.parameters["model"].default is inspect.Parameter.empty  # Required[...]
    assert signature.parameters["model"].annotation is str
    text = pydoc.plain(pydoc.render_doc(method))  # what help() prints
    assert "temperature: Sampling temperature, 0 to 2" in text
    assert "stream: True for a ``Stream``" in text
    for key in keys:  # every key of the TypedDict, as it is now, is documented
        assert re.search(rf"^\s+{key}: \S", text, flags=re.MULTILINE), key


def test_the_reference_page_lists_create_parameters_under_the_method() -> None:
    names = [name for name, _ in blocks("resources.md")]
    completions = names.index("tokenclient.resources.chat.Completions")
    params = "tokenclient.types.chat_create_params.ChatCompletionCreateParams"
    assert names[completions + 1] == params  # right under Completions (create is its last)
    options = dict(blocks("resources.md"))
    assert "show_overloads: false" in options["tokenclient.resources.chat.Completions"]
    # What mkdocstrings renders there: griffe's view of the TypedDict, from the source.
    module = griffe.load("tokenclient.types.chat_create_params", search_paths=[str(ROOT / "src")])
    # Its keys come from the body and the per-call options (inherited_members: true).
    assert "inherited_members: true" in options[params]
    fields = module["ChatCompletionCreateParams"].all_members
    temperature = fields["temperature"]
    assert temperature.docstring is not None
    assert temperature.docstring.value.startswith("Sampling temperature")
    assert {"model", "messages", "timeout"} <= set(fields)
    loaded = griffe.load("tokenclient.resources.chat", search_paths=[str(ROOT / "src")])
    members = [name for name in loaded["Completions"].members if not name.startswith("_")]
    assert members[-3:] == ["create", "parse", "stream"]  # the block follows the three


def test_the_types_page_reads_top_down_and_misses_no_class() -> None:
    (options,) = [o for name, o in blocks("types.md") if name == "tokenclient.types.chat"]
    listed = re.findall(r"^\s+- (\w+)$", options, flags=re.MULTILINE)
    assert listed[0] == "ChatCompletion"
    assert listed.index("ChatCompletion") < listed.index("PromptTokensDetails")
    module = tokenclient.types.chat
    classes = {
        name
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and value.__module__ == module.__name__
        and not name.startswith("_")  # private bases are not on the page
    }
    assert sorted(listed) == sorted(classes)


def test_the_clients_page_hides_the_private_base() -> None:
    for name, options in blocks("clients.md"):
        if name in {"tokenclient.TokenClient", "tokenclient.AsyncTokenClient"}:
            assert "show_bases: false" in options


def test_the_exceptions_page_shows_no_attribute_values() -> None:
    found = blocks("exceptions.md")
    assert len(found) >= 20
    for name, options in found:
        assert "show_attribute_values: false" in options, name


def test_the_changelog_page_includes_the_changelog() -> None:
    page = (ROOT / "docs" / "changelog.md").read_text()
    assert '--8<-- "CHANGELOG.md"' in page.splitlines()
    config = (ROOT / "mkdocs.yml").read_text()
    snippets = config[config.index("pymdownx.snippets") :]
    assert "check_paths: true" in snippets.split("\n\n")[0]  # a missing file fails the build
    for entry in ("Changelog: changelog.md", "Recipes: recipes.md"):
        assert f"  - {entry}\n" in config


@pytest.mark.parametrize("page", ["index.md", "recipes.md"])
def test_code_on_the_home_and_recipes_pages_fits_its_box(page: str) -> None:
    text = (ROOT / "docs" / page).read_text()
    blocks = re.findall(r"^```(?:python|console)\n(.*?)^```", text, flags=re.M | re.S)
    assert blocks
    for code in blocks:  # Material shows about 80 characters of code at 1280 px
        assert max(len(line) for line in code.splitlines()) <= 79, code


def test_the_home_page_links_the_changelog_and_recipes() -> None:
    text = (ROOT / "docs" / "index.md").read_text()
    assert "(changelog.md)" in text
    assert "(recipes.md)" in text

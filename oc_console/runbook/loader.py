"""Loading runbooks from YAML: schema errors name the file, the line and the field.

PyYAML's composed node tree keeps each node's position, so the loader builds the data and a
map from each field's path to its line; a pydantic error's `loc` is looked up in that map.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from oc_console.runbook.actions.registry import ACTIONS
from oc_console.runbook.checks import CHECKS
from oc_console.runbook.schema import STEP_KINDS, STEP_MODELS, Runbook
from oc_console.runbook.templating import ParamError, check_value, placeholders, stray_braces

Path_ = tuple[str | int, ...]


class RunbookError(ValueError):
    """`file:line: field: what is wrong` - one line."""


def shipped_dir() -> Path:
    """oc_console/runbooks: in a checkout a link to the repository's runbooks/, in the wheel
    the files themselves."""
    return Path(__file__).resolve().parents[1] / "runbooks"


@dataclass
class _Doc:
    data: Any
    lines: dict[Path_, int]
    source: str

    def line(self, path: Path_) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def error(self, path: Path_, message: str) -> RunbookError:
        field = ".".join(str(p) for p in path) or "(top level)"
        return RunbookError(f"{self.source}:{self.line(path)}: {field}: {message}")


def _marks(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, str(key.value))
            _marks(value, sub, lines)
            lines[sub] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _marks(item, (*path, i), lines)


def _parse(text: str, source: str) -> _Doc:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RunbookError(f"{source}:{line}: not valid YAML: {problem}") from None
    lines: dict[Path_, int] = {}
    if node is not None:
        _marks(node, (), lines)
    return _Doc(data, lines, source)


def _strings(value: Any, path: Path_) -> Iterator[tuple[Path_, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, (*path, str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, (*path, i))


def _check_steps(doc: _Doc) -> None:
    steps = doc.data.get("steps") if isinstance(doc.data, dict) else None
    if not isinstance(steps, list) or not steps:
        raise doc.error(("steps",), "a runbook needs a non-empty list of steps")
    for i, step in enumerate(steps):
        path: Path_ = ("steps", i)
        if not isinstance(step, dict):
            raise doc.error(path, "a step is a mapping with one of: " + ", ".join(STEP_KINDS))
        kinds = [k for k in STEP_KINDS if k in step]
        if len(kinds) != 1:
            first = next(iter(step), "")
            what = f"unknown step kind {first!r}" if not kinds else f"two step kinds {kinds}"
            raise doc.error((*path, first) if first else path,
                            f"{what} (one of {', '.join(STEP_KINDS)})")  # fmt: skip
        kind = kinds[0]
        name = step[kind]
        if kind == "action" and name not in ACTIONS:
            raise doc.error((*path, kind), f"unknown action {name!r} "
                            f"(one of {', '.join(sorted(ACTIONS))})")  # fmt: skip
        if kind in ("check", "wait") and name not in CHECKS:
            raise doc.error((*path, kind), f"unknown check {name!r} "
                            f"(one of {', '.join(sorted(CHECKS))})")  # fmt: skip
        if step.get("for_each") is not None and step["for_each"] not in CHECKS:
            raise doc.error((*path, "for_each"), f"unknown check {step['for_each']!r}")
        if kind == "action" and "needs" in step:
            _check_needs(doc, path, step["needs"], steps[:i])
        if kind == "note" and step.get("fixed_if_ok") is not None:
            _check_needs(doc, path, [step["fixed_if_ok"]], steps[:i], "fixed_if_ok")


def _check_needs(
    doc: _Doc, path: Path_, needs: Any, before: list[Any], field: str = "needs"
) -> None:
    """`needs` names checks of earlier check steps: a typo must not silently need nothing."""
    if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
        raise doc.error((*path, field), "a list of check ids of earlier check steps")
    earlier = [s["check"] for s in before if isinstance(s, dict) and "check" in s]
    for n, name in enumerate(needs):
        if name not in earlier:
            have = ", ".join(earlier) or "none"
            where = (*path, field, n) if field == "needs" else (*path, field)
            raise doc.error(where, f"{name!r} is not the check of an earlier "
                            f"check step (earlier checks: {have})")  # fmt: skip


def _check_templates(doc: _Doc, book: Runbook) -> None:
    declared = set(book.params)
    for name, spec in book.params.items():
        if spec.default is not None:
            try:
                check_value(name, spec.default)
            except ParamError as exc:
                raise doc.error(("params", name, "default"), str(exc)) from None
    for path, text in _strings(doc.data.get("steps"), ("steps",)):
        if stray_braces(text):
            raise doc.error(path, "only plain {param} substitution is allowed here")
        for name in placeholders(text):
            if name not in declared:
                raise doc.error(path, f"uses parameter {{{name}}}, which params does not declare")


def parse_runbook(text: str, source: str) -> Runbook:
    doc = _parse(text, source)
    if not isinstance(doc.data, dict):
        raise doc.error((), "a runbook is a mapping (id, title, params, steps)")
    _check_steps(doc)
    data = dict(doc.data)
    data["steps"] = [
        {**step, "kind": next(k for k in STEP_KINDS if k in step)} for step in data["steps"]
    ]
    for i, step in enumerate(data["steps"]):
        try:
            STEP_MODELS[step["kind"]].model_validate(step)
        except ValidationError as exc:
            raise _explain(doc, exc, ("steps", i)) from None
    try:
        book = Runbook.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise _explain(doc, exc, ()) from None
    _check_templates(doc, book)
    return book


def _explain(doc: _Doc, exc: ValidationError, prefix: Path_) -> RunbookError:
    errors = exc.errors()
    # a misspelt field explains the "missing" one that usually comes with it: name it first
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.endswith("Step")))
    path = (*prefix, *loc)
    if first["type"] == "extra_forbidden":
        return doc.error(path, "unknown field")
    if first["type"] == "missing":
        return doc.error(path, "missing required field")
    return doc.error(path, first["msg"])


def load_file(path: Path) -> Runbook:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RunbookError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_runbook(text, str(path))


def load_dir(folder: Path | None = None) -> dict[str, Runbook]:
    """Every runbook in a folder by id; the first broken file raises, naming itself."""
    folder = folder or shipped_dir()
    books: dict[str, Runbook] = {}
    for path in sorted(folder.glob("*.yaml")):
        book = load_file(path)
        if book.id in books:
            raise RunbookError(f"{path}:1: id: {book.id} is also in {books[book.id].source}")
        books[book.id] = book
    return books

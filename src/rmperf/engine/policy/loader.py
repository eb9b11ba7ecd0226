"""Loading a policy file with file-and-line error reporting (dbt semantic-interfaces style)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

Loc = tuple[str | int, ...]


class PolicyModel(BaseModel):
    """Base of every policy model: unknown keys are errors and values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


P = TypeVar("P", bound=PolicyModel)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class PolicyIssue:
    """One finding: which rule, where (file, line, path in the document) and why."""

    severity: Severity
    rule: str
    message: str
    file: str
    line: int | None
    loc: Loc = ()

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        path = ".".join(str(p) for p in self.loc)
        at = f" at {path}" if path else ""
        return f"{where}: {self.severity} [{self.rule}]{at}: {self.message}"


class PolicyError(ValueError):
    """A policy that cannot be used; `issues` lists every error (and warning) found."""

    def __init__(self, issues: Sequence[PolicyIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


@dataclass(frozen=True)
class Rule[P: PolicyModel]:
    """A named validation rule: yields (message, location) for each breach."""

    name: str
    severity: Severity
    check: Callable[[P], Iterable[tuple[str, Loc]]]


def rule(
    name: str, severity: Severity = Severity.ERROR
) -> Callable[[Callable[[P], Iterable[tuple[str, Loc]]]], Rule[P]]:
    """Decorator turning a check function into a named Rule."""

    def wrap(fn: Callable[[P], Iterable[tuple[str, Loc]]]) -> Rule[P]:
        return Rule(name=name, severity=severity, check=fn)

    return wrap


@dataclass(frozen=True)
class LoadedPolicy[P: PolicyModel]:
    """A validated policy with where it came from and its digest (its version identity)."""

    policy: P
    source: str
    digest: str
    warnings: tuple[PolicyIssue, ...] = field(default=())

    @property
    def version(self) -> str:
        """Short form of the digest, shown beside results."""
        return self.digest[:12]


#: libyaml's parser when PyYAML was built with it (its wheels are): the same documents as
#: the pure-Python parser, about 10x faster. A document it refuses is parsed again in pure
#: Python, so the error a user reads (and its line) stays the pure-Python parser's.
FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """`yaml.safe_load` on the fast parser, with the pure-Python parser's errors."""
    try:
        return yaml.load(text, Loader=FAST_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return yaml.safe_load(text)


def compose(text: str) -> yaml.Node | None:
    """`yaml.compose` (nodes with their lines) on the fast parser, errors as `safe_load`."""
    try:
        return yaml.compose(text, Loader=FAST_LOADER)
    except yaml.YAMLError:
        return yaml.compose(text, Loader=yaml.SafeLoader)


def _line_map(text: str) -> dict[Loc, int]:
    """Line number (1-based) of every mapping key and sequence item in a YAML document."""
    lines: dict[Loc, int] = {}
    try:
        root = compose(text)
    except yaml.YAMLError:
        return lines

    def walk(node: yaml.Node | None, loc: Loc) -> None:
        if node is None:
            return
        lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value
                lines[(*loc, key)] = key_node.start_mark.line + 1
                walk(value_node, (*loc, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[(*loc, i)] = item.start_mark.line + 1
                walk(item, (*loc, i))

    walk(root, ())
    return lines


def _line_for(lines: Mapping[Loc, int], loc: Loc) -> int | None:
    # An error on a missing key points at its parent; walk up until something is known.
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _canonical_digest(data: Any) -> str:
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def load_policy_text[P: PolicyModel](
    text: str,
    model: type[P],
    *,
    source: str = "<policy>",
    rules: Sequence[Rule[P]] = (),
) -> LoadedPolicy[P]:
    """Parse, validate and check a policy document; raise PolicyError naming every problem."""
    try:
        data = safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise PolicyError(
            [PolicyIssue(Severity.ERROR, "yaml_syntax", str(exc).splitlines()[0], source, line)]
        ) from None
    if not isinstance(data, dict):
        raise PolicyError(
            [
                PolicyIssue(
                    Severity.ERROR, "document_shape", "a policy is a mapping of keys", source, 1
                )
            ]
        )
    line_map: dict[Loc, int] | None = None

    def line_of(loc: Loc) -> int | None:
        # The line map is a second parse: only a document with something to report needs it.
        nonlocal line_map
        if line_map is None:
            line_map = _line_map(text)
        return _line_for(line_map, loc)

    try:
        policy = model.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            loc: Loc = tuple(err["loc"])
            issues.append(
                PolicyIssue(
                    Severity.ERROR,
                    f"schema.{err['type']}",
                    err["msg"],
                    source,
                    line_of(loc),
                    loc,
                )
            )
        raise PolicyError(issues) from None
    found: list[PolicyIssue] = []
    for r in rules:
        for message, loc in r.check(policy):
            found.append(PolicyIssue(r.severity, r.name, message, source, line_of(loc), loc))
    errors = [i for i in found if i.severity is Severity.ERROR]
    if errors:
        raise PolicyError(found)
    return LoadedPolicy(
        policy=policy,
        source=source,
        digest=_canonical_digest(policy.model_dump(mode="json")),
        warnings=tuple(found),
    )


def load_policy[P: PolicyModel](
    path: Path | str | None,
    model: type[P],
    *,
    default: str,
    rules: Sequence[Rule[P]] = (),
) -> LoadedPolicy[P]:
    """Load `path`, or the shipped default file `default` (in rmperf/policies/defaults)."""
    if path is None:
        ref = resources.files("rmperf.policies").joinpath("defaults", default)
        return load_policy_text(
            ref.read_text(encoding="utf-8"), model, source=f"defaults/{default}", rules=rules
        )
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(
            [
                PolicyIssue(
                    Severity.ERROR, "file", f"cannot read policy: {exc.strerror}", str(p), None
                )
            ]
        ) from None
    return load_policy_text(text, model, source=str(p), rules=rules)


def policy_json_schema(model: type[PolicyModel]) -> dict[str, Any]:
    """The JSON Schema of a policy model (committed under docs/ for editors)."""
    return model.model_json_schema()

"""Safe YAML for untrusted fact files: plain data only, bounded, and with the position of every value.

The safe loader already refuses custom tags (``!!python/object``). On top of it this loader refuses
aliases (the "billion laughs" expansion needs them and fact files never do), bounds the file size and
the nesting depth, and returns a map from each value's path (``("claims", 3, "value")``) to its
1-based line and column, so that an error can name the exact place.

It parses with libyaml (``CSafeLoader``, several times faster) when PyYAML has it. libyaml resolves an
alias to the node it names, so an alias shows up here as a node met twice, and is refused as such.
Newer libyaml (PyYAML 6.0.4) refuses flow nesting deeper than 1000 itself, and its scanner looks ahead
of the events, so it may refuse before the depth here is reached: that refusal is reported as this
loader's own ("nesting deeper than 32 levels", at libyaml's place), whatever PyYAML is installed.

A file is read through ``safepath.read_capped``: a regular file only (a FIFO or ``/dev/zero`` is
refused, never read), at most ``MAX_BYTES`` bytes counted while reading.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .safepath import UnsafeRead, read_capped, shown

MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 32

_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
Path_ = tuple[str | int, ...]
Positions = dict[Path_, tuple[int, int]]


class YamlError(Exception):
    """A fact file that is not usable YAML; says where."""

    def __init__(self, file: str, line: int | None, column: int | None, message: str) -> None:
        super().__init__(message)
        self.file, self.line, self.column, self.message = file, line, column, message


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_COLLECTION_START = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_COLLECTION_END = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _fail(message: str, mark: Any) -> None:
    raise yaml.constructor.ConstructorError(None, None, message, mark)


def _build(events: Any, scalars: yaml.SafeLoader) -> tuple[Any, Positions]:
    """Plain data from a parser's events, built with an explicit stack: no recursion, so no input can
    exhaust the C or the Python stack; depth, tags, aliases and keys are checked as events arrive."""
    positions: Positions = {}
    stack: list[list[Any]] = []  # [container, path, pending key or _NO_KEY, start mark]
    root: Any = None
    documents = 0
    tags: dict[tuple[str, Any], str] = {}  # (value, implicit) -> resolved tag

    def place(value: Any, mark: Any) -> None:
        nonlocal root
        if not stack:
            positions[()] = (mark.line + 1, mark.column + 1)
            root = value
            return
        frame = stack[-1]
        container, path = frame[0], frame[1]
        if isinstance(container, list):
            positions[(*path, len(container))] = (mark.line + 1, mark.column + 1)
            container.append(value)
        elif frame[2] is _NO_KEY:
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                _fail(f"a key must be a plain name, found {shown(value)}", mark)
            if value in container:
                _fail(f"key {shown(value)} appears twice", mark)
            frame[2] = value
            positions[(*path, value)] = (mark.line + 1, mark.column + 1)
        else:
            container[frame[2]] = value
            frame[2] = _NO_KEY

    for event in events:
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                _fail("a fact file holds one YAML document, found more", event.start_mark)
        elif isinstance(event, yaml.AliasEvent):
            _fail("anchors and aliases (*name) are not allowed in fact files", event.start_mark)
        elif isinstance(event, yaml.ScalarEvent):
            tag = event.tag
            if tag in (None, "!"):  # by its value; the same plain scalars recur (keys above all): resolve each once
                key = (event.value, event.implicit)
                if key not in tags:
                    tags[key] = scalars.resolve(yaml.ScalarNode, event.value, event.implicit)
                tag = tags[key]
            if tag == _STR:  # most values: no constructor needed
                place(event.value, event.start_mark)
            else:
                node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
                try:
                    value = scalars.construct_object(node, deep=True)
                except (ValueError, OverflowError):  # 2020-02-30, an int of 5,000 digits, !!int x
                    what = _SCALAR_KINDS.get(tag, f"a value of tag {shown(tag)}")
                    _fail(f"expected {what}, found {shown(event.value)}", event.start_mark)
                place(value, event.start_mark)
        elif isinstance(event, _COLLECTION_START):
            if len(stack) >= MAX_DEPTH:
                _fail(f"nesting deeper than {MAX_DEPTH} levels", event.start_mark)
            mapping = isinstance(event, yaml.MappingStartEvent)
            if event.tag not in (None, "!") and event.tag not in _PLAIN_TAGS:
                _fail(f"tag {shown(event.tag)} is not allowed in fact files", event.start_mark)
            if stack and isinstance(stack[-1][0], dict) and stack[-1][2] is _NO_KEY:
                _fail("a key must be a plain name, found a collection", event.start_mark)
            container: Any = {} if mapping else []
            path = () if not stack else (*stack[-1][1], stack[-1][2] if isinstance(stack[-1][0], dict) else len(stack[-1][0]))
            stack.append([container, path, _NO_KEY, event.start_mark])
        elif isinstance(event, _COLLECTION_END):
            container, _path, _key, mark = stack.pop()
            place(container, mark)
    return root, positions


_NO_KEY = object()
_SCALAR_KINDS = {
    "tag:yaml.org,2002:int": "a whole number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:timestamp": "a real date (YYYY-MM-DD)",
    "tag:yaml.org,2002:bool": "true or false",
}


def load_yaml_text(text: str, name: str) -> tuple[Any, Positions]:
    """Parse one YAML document safely; raise ``YamlError`` naming ``name``, line and column."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlError(name, None, None, f"file is larger than the {MAX_BYTES // (1024 * 1024)} MiB a fact file may be")
    try:
        return _build(yaml.parse(text, Loader=_Loader), yaml.SafeLoader(""))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problem = err.problem or err.context
        if "nesting" in str(problem) or "nesting" in str(err.context):  # libyaml's own limit, met first
            problem = f"nesting deeper than {MAX_DEPTH} levels"
        raise YamlError(name, line, column, f"not valid YAML: {problem}") from None
    except yaml.YAMLError as err:
        raise YamlError(name, None, None, f"not valid YAML: {err}") from None


def load_yaml_file(path: Path) -> tuple[Any, Positions]:
    """Read and parse one YAML file: a regular file of at most ``MAX_BYTES`` bytes (a FIFO, a device
    or a link to one is refused, and the size is counted while reading, never taken from ``stat``)."""
    return load_yaml_bytes(read_yaml_bytes(path), str(path))


def read_yaml_bytes(path: Path) -> bytes:
    """The bytes of a YAML file, read as ``load_yaml_file`` reads them (``YamlError`` when refused)."""
    try:
        return read_capped(path, MAX_BYTES)
    except UnsafeRead as err:
        raise YamlError(str(path), None, None, err.message) from None


def load_yaml_bytes(data: bytes, name: str) -> tuple[Any, Positions]:
    """Parse the bytes of one YAML file: UTF-8 text, any line endings."""
    path = name
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise YamlError(str(path), None, None, f"not UTF-8 text (byte {err.start})") from None
    return load_yaml_text(text.replace("\r\n", "\n").replace("\r", "\n"), str(path))

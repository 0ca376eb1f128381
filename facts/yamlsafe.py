"""Safe YAML for untrusted fact files: plain data only, bounded, and with the position of every value.

``yaml.SafeLoader`` already refuses custom tags (``!!python/object``). On top of it this loader refuses
aliases (the "billion laughs" expansion needs them and fact files never do), bounds the file size and
the nesting depth, and returns a map from each value's path (``("claims", 3, "value")``) to its
1-based line and column, so that an error can name the exact place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

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


class _Loader(yaml.SafeLoader):
    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "anchors and aliases (*name) are not allowed in fact files", mark)
        return super().compose_node(parent, index)


def _to_python(loader: _Loader, node: yaml.Node, path: Path_, positions: Positions, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise yaml.constructor.ConstructorError(None, None, f"nesting deeper than {MAX_DEPTH} levels", node.start_mark)
    positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
        raise yaml.constructor.ConstructorError(None, None, f"tag {node.tag!r} is not allowed in fact files", node.start_mark)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int)):
                raise yaml.constructor.ConstructorError(None, None, f"a key must be a plain name, found {key!r}", key_node.start_mark)
            if key in out:
                raise yaml.constructor.ConstructorError(None, None, f"key {key!r} appears twice", key_node.start_mark)
            out[key] = _to_python(loader, value_node, (*path, key), positions, depth + 1)
            positions[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(loader, item, (*path, i), positions, depth + 1) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def load_yaml_text(text: str, name: str) -> tuple[Any, Positions]:
    """Parse one YAML document safely; raise ``YamlError`` naming ``name``, line and column."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlError(name, None, None, f"file is larger than the {MAX_BYTES // (1024 * 1024)} MiB a fact file may be")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        positions: Positions = {}
        data = None if node is None else _to_python(loader, node, (), positions, 0)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise YamlError(name, line, column, f"not valid YAML: {err.problem or err.context}") from None
    except yaml.YAMLError as err:
        raise YamlError(name, None, None, f"not valid YAML: {err}") from None
    finally:
        loader.dispose()
    return data, positions


def load_yaml_file(path: Path) -> tuple[Any, Positions]:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise YamlError(str(path), None, None, f"file is {size} bytes, more than the {MAX_BYTES} a fact file may be")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise YamlError(str(path), None, None, f"not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise YamlError(str(path), None, None, f"cannot be read: {err.strerror}") from None
    return load_yaml_text(text, str(path))

"""Load a YAML content file strictly, remembering where each mapping stood.

PyYAML's ``SafeLoader`` keeps the last of two equal keys without a word, so
``ContentLoader`` (a subclass) records every repeated key with both lines, and
the parse refuses the file. It also keeps each mapping's node, so an error
names the line of its item and quotes what the author wrote: ``text: True``
loads as a boolean, and the hint to quote it needs the source ``True``.
"""

from dataclasses import dataclass, field
from typing import Any

import yaml

_MERGE_TAG = "tag:yaml.org,2002:merge"


class ContentLoader(yaml.SafeLoader):
    """A ``SafeLoader`` that refuses duplicate mapping keys and keeps each mapping's node."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []
        self.nodes: dict[int, yaml.MappingNode] = {}

    def construct_yaml_map(self, node: yaml.MappingNode):
        data: dict[Any, Any] = {}
        self.nodes[id(data)] = node
        yield data
        data.update(self.construct_mapping(node))

    def construct_mapping(self, node, deep: bool = False):
        if isinstance(node, yaml.MappingNode):
            self._duplicates_note(node)
        return super().construct_mapping(node, deep=deep)

    def _duplicates_note(self, node: yaml.MappingNode) -> None:
        seen: dict[Any, int] = {}
        for key_node, _value in node.value:
            if key_node.tag == _MERGE_TAG:
                continue  # "<<" merges are meant to be overridden
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                first = seen.get(key)
            except TypeError:
                continue  # an unhashable key: construct_mapping refuses it
            if first is None:
                seen[key] = line
            else:
                self.duplicates.append(
                    (line, f"key {key!r} appears twice (first on line {first})")
                )


ContentLoader.add_constructor("tag:yaml.org,2002:map", ContentLoader.construct_yaml_map)


@dataclass
class YamlSource:
    """The loaded data and, for each mapping in it, its line and plain scalars."""

    data: Any
    nodes: dict[int, yaml.MappingNode] = field(default_factory=dict)

    def line(self, mapping: dict) -> int | None:
        node = self.nodes.get(id(mapping))
        return node.start_mark.line + 1 if node else None

    def written(self, mapping: dict) -> dict[str, str]:
        """Each key's value as written, for the plain (unquoted) scalars."""
        node = self.nodes.get(id(mapping))
        if node is None:
            return {}
        return {
            key_node.value: value_node.value
            for key_node, value_node in node.value
            if isinstance(key_node, yaml.ScalarNode)
            and isinstance(value_node, yaml.ScalarNode)
            and value_node.style is None
        }


def yaml_load(text: str) -> tuple[YamlSource, list[tuple[int, str]]]:
    """Load the text; return it with its (line, message) duplicate-key problems."""
    loader = ContentLoader(text)
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    return YamlSource(data=data, nodes=loader.nodes), loader.duplicates

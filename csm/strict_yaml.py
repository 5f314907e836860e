"""YAML reading without aliases and duplicate keys, for every YAML file the project reads.

Kept free of pandas so that the runner (``csm.run``) can import it cheaply.
"""
from __future__ import annotations

import yaml

__all__ = ["StrictYAMLError", "StrictYAMLMixin"]


class StrictYAMLError(yaml.MarkedYAMLError):
    """A YAML document using an alias/anchor or a duplicate key (refused, see :class:`StrictYAMLMixin`)."""

    def __str__(self) -> str:
        mark = self.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        return f"{where}{self.problem}"


class StrictYAMLMixin:
    """For a PyYAML loader: refuse aliases and anchors (``&a`` / ``*a``) outright and duplicate keys.

    Aliases are how a "billion laughs" document of a few lines expands to gigabytes; the project's YAML
    files (mappings, parameters) never need them. A duplicate key would silently let the last one win.
    Both raise :class:`StrictYAMLError` carrying the line (``problem_mark``) and what to do.
    """

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            kind = "alias *" if isinstance(event, yaml.AliasEvent) else "anchor &"
            raise StrictYAMLError(None, None, f"uses a YAML {kind}{event.anchor}; anchors and aliases are not "
                                              "accepted (they can expand a small file to gigabytes): write "
                                              "the values out in full", event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # unhashable key: PyYAML reports it below
                    continue
                if first is not None:
                    raise StrictYAMLError(None, None, f"the key {key!r} appears twice (first on line "
                                                      f"{first.line + 1}); YAML would silently keep the last one — "
                                                      "delete or merge one of them", key_node.start_mark)
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)

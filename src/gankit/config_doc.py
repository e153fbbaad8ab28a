"""Every config field with its value and meaning, as a commented TOML file: `gankit config`.

The meanings are the comments beside each field in its section's dataclass (`TrainConfig` in
config.py, `ModelConfig` with the models, ...), read from the source, so the listing cannot
drift from the code.
"""

import dataclasses
import inspect
import re

from .config import Config, to_toml

_FIELD_COMMENT = re.compile(r"^\s+(\w+)\s*:[^#]*#\s*(.+)$")


def field_comments(section_type: type) -> dict[str, str]:
    """field name -> the comment on its line in `section_type`'s source ("" where it has none)."""
    comments = {f.name: "" for f in dataclasses.fields(section_type)}
    for line in inspect.getsource(section_type).splitlines():
        if (match := _FIELD_COMMENT.match(line)) and match.group(1) in comments:
            comments[match.group(1)] = match.group(2).strip()
    return comments


def commented_toml(cfg: Config) -> str:
    """`cfg` as TOML (every field), each section headed by where it is defined and each value
    followed by its meaning; loading the text back gives `cfg`."""
    values = iter(to_toml(cfg).splitlines())
    lines = []
    for section in dataclasses.fields(cfg):
        section_type = type(getattr(cfg, section.name))
        lines.append(f"# {section_type.__name__}, in {inspect.getmodule(section_type).__name__}")
        lines.append(next(values))  # [section]
        for name, comment in field_comments(section_type).items():
            value = next(values)
            assert value.startswith(f"{name} = "), (value, name)  # to_toml keeps the fields' order
            lines.append(f"{value}  # {comment}" if comment else value)
        lines.append(next(values, ""))  # the blank line after the section
    return "\n".join(lines)

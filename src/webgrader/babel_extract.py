"""A Babel extractor for messages.py: every entry of the `EN` dict becomes one catalog message,
msgctxt = the key, msgid = the English sentence. babel.cfg names it; `make messages` runs it.

The file is read, not imported: extraction sees exactly the dict in the file.
"""
from __future__ import annotations

import ast
import string


def placeholders(sentence: str) -> list[str]:
    """The {fields} of a str.format sentence, in order, as written (with their format spec)."""
    return ["{" + field + (f":{spec}" if spec else "") + "}"
            for _, field, spec, _ in string.Formatter().parse(sentence) if field is not None]


def english_messages(source: str):
    """(line, key, English sentence, section comment) for each entry of `EN = {...}` in `source`."""
    tree = ast.parse(source)
    lines = source.splitlines()
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else getattr(node, "target", None)
        if not (isinstance(target, ast.Name) and target.id == "EN" and isinstance(node.value, ast.Dict)):
            continue
        section = ""
        previous_end = node.value.lineno
        for key, value in zip(node.value.keys, node.value.values):
            # the comment line nearest above this entry, since the previous one, names its group
            for line in lines[previous_end:key.lineno - 1]:
                if line.strip().startswith("#"):
                    section = line.strip().lstrip("#").strip()
            previous_end = value.end_lineno
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)
                    and isinstance(value, ast.Constant) and isinstance(value.value, str)):
                raise ValueError(f"messages.py line {key.lineno}: EN must map string keys to plain string "
                                 "sentences (no f-strings or expressions), so that they can be translated")
            yield key.lineno, key.value, value.value, section


def extract_en(fileobj, keywords, comment_tags, options):
    """Babel's extractor interface: (lineno, funcname, messages, comments)."""
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    for lineno, key, english, section in english_messages(source):
        comments = [section] if section else []
        fields = list(dict.fromkeys(placeholders(english)))
        if fields:
            comments.append("keep as they are: " + " ".join(fields))
        yield lineno, "pgettext", (key, english), comments

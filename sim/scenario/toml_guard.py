"""Reading TOML text that may be hostile: its shape is checked before `tomllib` sees it.

`tomllib` is linear in most input but not all: a key of n dotted parts (`a.a.a...a = 1`, or a
`[a.a...a]` header) costs it some n^2 memory and time (60 KB of dots took 2.4 GB), and arrays or
inline tables nested some 300 deep exhaust Python's recursion. A size cap does not protect, so
every TOML regsim reads (scenario files, `extends` bases, `--set` values, the scenarios saved in
results folders) goes through `loads`, which first scans the raw text once, in linear time and
constant memory, and refuses keys with more than `MAX_KEY_PARTS` parts or `MAX_KEY_CHARS`
characters and documents nested deeper than `MAX_DEPTH` tables and arrays. Real scenarios use
keys of at most 5 parts and nest 6 deep.

The scan never under-counts what `tomllib` would build: strings and comments are skipped by
TOML's own rules, and every other dotted run is counted as a key (values hold at most one dot:
`1.5`, `07:32:00.25`).
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

MAX_KEY_PARTS = 10
"""Most dotted parts in one key or table header (`[sweep.levers.regulators.california.policies.
kill_switch]`, about the longest a scenario needs, has 6)."""
MAX_KEY_CHARS = 1000
"""Most characters in one key or table header, its quotes and dots included."""
MAX_DEPTH = 16
"""Most levels of tables and arrays, one inside another, counting each part of a dotted key or
header (a bundled scenario nests 6 deep)."""

_BLANKS = re.compile(r"[ \t]+")
_BARE = re.compile(r"[^\s.=,\[\]{}#\"']+")
_BASIC = re.compile(r'"(?:[^"\\\n]|\\.)*"?')
_LITERAL = re.compile(r"'[^'\n]*'?")
_MULTILINE_BASIC = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""(?:""|")?', re.DOTALL)
_MULTILINE_LITERAL = re.compile(r"'''(?:[^']|'(?!''))*'''(?:''|')?", re.DOTALL)


class TomlShapeError(ValueError):
    """TOML text refused before parsing: a key too long or nesting too deep. `what` says which,
    `line` where; a ValueError, as tomllib's TOMLDecodeError is."""

    def __init__(self, line: int, what: str) -> None:
        super().__init__(f"{what}, on line {line}; refused before parsing")
        self.line, self.what = line, what


def loads(text: str) -> dict[str, Any]:
    """`tomllib.loads(text)` after `check_shape(text)`; TomlShapeError or TOMLDecodeError."""
    check_shape(text)
    return tomllib.loads(text)


def check_shape(text: str) -> None:
    """Raise TomlShapeError if `text` has a key of too many parts or characters, or nests too
    deep (see the module docstring). Linear in the length of `text`."""
    _Scan(text).run()


class _Scan:
    """One pass over the text outside strings and comments, tracking the current dotted run
    (`parts`), the open arrays and inline tables (`levels`, each with the depth it adds) and
    the parts of the last table header."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line = 1
        self.parts = 0  # parts of the dotted run being read
        self.run_start = 0
        self.run_end = 0
        self.after_dot = False
        self.line_start = True  # nothing but whitespace since the last newline
        self.in_header = False
        self.header_parts = 0
        self.key_parts = 0  # parts of the key just before `=`, until its value starts
        self.levels: list[int] = []  # the depth each open array or inline table adds
        self.depth = 0  # their sum

    def run(self) -> None:
        text, i = self.text, 0
        while i < len(text):
            char = text[i]
            if char in " \t":
                i = _BLANKS.match(text, i).end()  # type: ignore[union-attr]
            elif char == "#":
                end = text.find("\n", i)
                i = len(text) if end < 0 else end
            elif char in "\"'":
                i = self.token(i, self.string_end(i))
            elif char == ".":
                self.after_dot = self.parts > 0
                self.line_start = False
                i += 1
            else:
                match = _BARE.match(text, i)
                if match is not None:
                    i = self.token(i, match.end())
                else:
                    self.delimiter(char)
                    i += 1

    def string_end(self, i: int) -> int:
        text = self.text
        if text.startswith('"""', i):
            pattern = _MULTILINE_BASIC
        elif text.startswith("'''", i):
            pattern = _MULTILINE_LITERAL
        else:
            pattern = _BASIC if text[i] == '"' else _LITERAL
        match = pattern.match(text, i)
        end = len(text) if match is None else match.end()  # unterminated: tomllib stops there
        self.line += text.count("\n", i, end)
        return end

    def token(self, start: int, end: int) -> int:
        """A bare word or a string: the next part of a dotted run, or the start of one."""
        if self.parts and self.after_dot:
            self.parts += 1
        else:
            self.parts, self.run_start = 1, start
        self.run_end, self.after_dot, self.line_start = end, False, False
        self.key_parts = 0
        if self.parts > MAX_KEY_PARTS:
            self.refuse(f"a key of more than {MAX_KEY_PARTS} dotted parts")
        return end

    def delimiter(self, char: str) -> None:
        """Anything but a word, a string, a dot or a blank: it ends the dotted run."""
        key_parts = 0
        if char == "=":
            self.end_key()
            key_parts = self.parts  # a `[` or `{` next opens the value of this key
        elif char == "]" and self.in_header:
            self.end_key()
            self.header_parts = self.parts or self.header_parts  # `]]` closes once more
        elif char in "[{":
            if char == "[" and self.line_start and not self.levels:
                self.in_header = True  # a table header: its key replaces the last one
                self.header_parts = 0
            elif not self.in_header:
                self.open_level(self.key_parts + 1)
        elif char in "]}" and self.levels:
            self.depth -= self.levels.pop()
        elif char == "\n":
            self.line += 1
            self.in_header = False
        self.parts, self.after_dot, self.key_parts = 0, False, key_parts
        self.line_start = char == "\n" or (self.line_start and char == "\r")

    def end_key(self) -> None:
        if self.parts == 0:
            return
        if self.run_end - self.run_start > MAX_KEY_CHARS:
            self.refuse(f"a key of {self.run_end - self.run_start:,} characters (at most "
                        f"{MAX_KEY_CHARS:,})")
        base = 0 if self.in_header else self.header_parts
        if base + self.depth + self.parts > MAX_DEPTH:
            self.refuse_depth()

    def open_level(self, depth: int) -> None:
        self.levels.append(depth)
        self.depth += depth
        if self.header_parts + self.depth > MAX_DEPTH:
            self.refuse_depth()

    def refuse_depth(self) -> None:
        self.refuse(f"nested too deeply: tables and arrays more than {MAX_DEPTH} levels deep "
                    "(counting each part of a dotted key)")

    def refuse(self, what: str) -> None:
        raise TomlShapeError(self.line, what)

"""The controls: every figure of the summary sheets computed in Python, with the
cell of its formula. À propos lists them side by side (sync/outputs/ministry/about.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sync.outputs.ministry.sheet import Sheet, letter


@dataclass(frozen=True)
class Control:
    section: str
    label: str
    expected: int  # cents, or a count
    money: bool
    cell: str  # where the formula is: 'Par année'!$D$7
    result: object  # the result stored with that formula


@dataclass
class Controls:
    items: list[Control] = field(default_factory=list)

    def add(
        self, section: str, label: str, expected: int, sheet: Sheet, column: int, row: int, money: bool = True
    ) -> None:
        self.items.append(
            Control(section, label, expected, money, f"{sheet.ref}!${letter(column)}${row}", sheet.value(row, column))
        )

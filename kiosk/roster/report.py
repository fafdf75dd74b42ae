"""What an import tells the office: the problems that stopped it, or what changed on the roll."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.custody.errors import DeskError

# The desk summary names this many pupils per heading; the report itself keeps them all.
NAMES_SHOWN = 10


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one line of one file. Line 1 is the header; line 0 means the whole file."""

    line: int
    message: str
    file: str

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class RosterError(DeskError):
    """The roster was refused and nothing was written; `problems` lists every reason, by file and line."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        files = list(dict.fromkeys(problem.file for problem in problems))  # the pupils file first, as read
        self.problems = tuple(sorted(problems, key=lambda p: (files.index(p.file), p.line)))
        count = len(self.problems)
        heading = (f"The roster was not imported and nothing was changed: {count} "
                   f"problem{'s' if count != 1 else ''} to fix in the MIS export first.")
        super().__init__("\n".join([heading, *(f"  {problem}" for problem in self.problems)]))


@dataclass(frozen=True)
class PupilNote:
    """One pupil named in the report; `changes` says what moved, e.g. ("form 9C → 10C",)."""

    mis_id: str
    name: str
    form: str
    changes: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = f"{self.name} ({self.form}, {self.mis_id})"
        return f"{text}: {'; '.join(self.changes)}" if self.changes else text


@dataclass(frozen=True)
class ImportReport:
    """What the import did (or, on a dry run, would do)."""

    pupils_file: str
    carers_file: str | None
    dry_run: bool
    added: tuple[PupilNote, ...]
    updated: tuple[PupilNote, ...]
    left: tuple[PupilNote, ...]
    returned: tuple[PupilNote, ...]
    unchanged: int
    carers_imported: int
    pupils_without_carers: int
    tags_created: int
    problems: tuple[Problem, ...] = ()  # warnings worth reading; none of them stopped the import

    @property
    def on_roll(self) -> int:
        return len(self.added) + len(self.updated) + len(self.returned) + self.unchanged

    def counts(self) -> dict[str, int]:
        return {
            "on_roll": self.on_roll, "added": len(self.added), "updated": len(self.updated),
            "left": len(self.left), "returned": len(self.returned), "unchanged": self.unchanged,
            "carers": self.carers_imported, "tags_created": self.tags_created,
        }

    def summary_lines(self) -> list[str]:
        """The report in the office's words, for the terminal or the admin screen."""
        was, were = ("would be", "would be") if self.dry_run else ("was", "were")
        lines = [
            f"{'Dry run — nothing was saved. ' if self.dry_run else ''}Roster from {self.pupils_file}: "
            f"{_count(self.on_roll, 'pupil')} on roll.",
        ]
        for heading, notes in (("added", self.added), ("updated", self.updated),
                               ("marked as left", self.left), ("back on roll", self.returned)):
            if heading == "back on roll" and not notes:
                continue  # rare enough that "0 back on roll" every time would only be noise
            lines.append(f"{_count(len(notes), 'pupil')} {was if len(notes) == 1 else were} {heading}.")
            lines.extend(f"  {note}" for note in notes[:NAMES_SHOWN])
            if len(notes) > NAMES_SHOWN:
                lines.append(f"  … and {len(notes) - NAMES_SHOWN} more.")
        lines.append(f"{_count(self.unchanged, 'pupil')} unchanged.")
        if self.carers_file is not None:
            lines.append(f"{_count(self.carers_imported, 'carer')} "
                         f"{was if self.carers_imported == 1 else were} loaded from {self.carers_file}.")
            if self.pupils_without_carers:
                lines.append(f"  {_count(self.pupils_without_carers, 'pupil')} on roll with no carer in that "
                             "file: no one can collect a confiscated phone for them until the MIS has one.")
        lines.append(f"{_count(self.tags_created, 'new tag code')} "
                     f"{was if self.tags_created == 1 else were} created (print their labels).")
        lines.extend(f"Note: {problem}" for problem in self.problems)
        return lines


def _count(number: int, thing: str) -> str:
    return f"{number:,} {thing}{'' if number == 1 else 's'}"

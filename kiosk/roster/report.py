"""What an import tells the office: the problems that stopped it, or what changed on the roll."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.custody.errors import DeskError

# The desk summary names this many pupils per heading; the report itself keeps them all.
NAMES_SHOWN = 10
# Skipped contacts are each something to put right in the MIS, so the summary names more of them.
SKIPPED_SHOWN = 50


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one line of one file (line 0: the whole file).

    `who` is the pupil or carer on that line, shown beside its line number rather than after the message, so a
    message that names another line ("already used on line 4 (Jane Smith)") never reads as if it were about
    this line's pupil."""

    line: int
    message: str
    file: str
    who: str = ""

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line else self.file
        return f"{where} ({self.who}): {self.message}" if self.who else f"{where}: {self.message}"


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
class LeaversPhone:
    """A phone still in the office (handed in, left overnight, confiscated, held) whose pupil the import marks as
    left: named in the report so the office hands it back or calls home, as the pupil is no longer on the roll."""

    pupil: PupilNote
    slot: str | None
    state: str  # in the office's words, as anyone may be told ("held — refer to the DSL", never more)

    def __str__(self) -> str:
        where = f"slot {self.slot}" if self.slot else "no slot recorded"
        return (f"Left the roll with a phone still in the office: {self.pupil.name} ({self.pupil.form}), "
                f"{where} ({self.state}).")


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
    # Where each file's column headings are, and the lines with text above them (a report's title), skipped.
    pupils_header_line: int = 1
    pupils_above: tuple[tuple[int, str], ...] = ()
    carers_header_line: int | None = None
    carers_above: tuple[tuple[int, str], ...] = ()
    # Contacts whose pupil is not in the pupils file, by line: left out, the rest imported.
    carers_skipped: tuple[Problem, ...] = ()
    # Leavers whose phone is still in the office, by slot: every one is named (each is a phone to hand back).
    phones_of_leavers: tuple[LeaversPhone, ...] = ()
    # Who may collect (issue 16): how many contacts the MIS says must not collect, and whether the contacts file has
    # a column that says so at all (a file without one leaves the desk unable to warn of a court order).
    carers_must_not_collect: int = 0
    says_who_may_collect: bool = True

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
        lines.extend(_headings_note(self.pupils_file, self.pupils_header_line, self.pupils_above))
        if self.carers_file is not None and self.carers_header_line is not None:
            lines.extend(_headings_note(self.carers_file, self.carers_header_line, self.carers_above))
        for heading, notes in (("added", self.added), ("updated", self.updated),
                               ("marked as left", self.left), ("back on roll", self.returned)):
            if heading == "back on roll" and not notes:
                continue  # rare enough that "0 back on roll" every time would only be noise
            lines.append(f"{_count(len(notes), 'pupil')} {was if len(notes) == 1 else were} {heading}.")
            lines.extend(f"  {note}" for note in notes[:NAMES_SHOWN])
            if len(notes) > NAMES_SHOWN:
                lines.append(f"  … and {len(notes) - NAMES_SHOWN:,} more.")
            if heading == "marked as left":
                lines.extend(str(phone) for phone in self.phones_of_leavers)
        lines.append(f"{_count(self.unchanged, 'pupil')} unchanged.")
        if self.carers_file is not None:
            lines.append(f"{_count(self.carers_imported, 'carer')} "
                         f"{was if self.carers_imported == 1 else were} loaded from {self.carers_file}.")
            if self.pupils_without_carers:
                lines.append(f"  {_count(self.pupils_without_carers, 'pupil')} on roll with no carer in that "
                             "file: no one can collect a confiscated phone for them until the MIS has one.")
            if self.carers_must_not_collect:
                lines.append(f"  {_count(self.carers_must_not_collect, 'contact')} the MIS says must not collect: "
                             "only the DSL can release a phone to them (their notes are on the pupil's page).")
            if not self.says_who_may_collect:
                lines.append("  This contacts file has no column saying who may or must not collect (Arbor's "
                             "isAuthorizedToCollect, a 'Must Not Collect' contact flag): the desk cannot warn of a "
                             "court order it was not given. Add that column to the MIS report if it has one.")
            lines.extend(self._skipped_lines())
        lines.append(f"{_count(self.tags_created, 'new tag code')} "
                     f"{was if self.tags_created == 1 else were} created (print their labels).")
        lines.extend(f"Note: {problem}" for problem in self.problems)
        return lines

    def _skipped_lines(self) -> list[str]:
        skipped = self.carers_skipped
        if not skipped:
            return []
        one = len(skipped) == 1
        verb = "would be" if self.dry_run else ("was" if one else "were")
        lines = [f"{_count(len(skipped), 'contact')} in {self.carers_file} {verb} skipped: "
                 f"{'its' if one else 'their'} pupil is not in {self.pupils_file} (a leaver, or a pupil the export "
                 "left out)."]
        lines.extend(f"  {problem}" for problem in skipped[:SKIPPED_SHOWN])
        if len(skipped) > SKIPPED_SHOWN:
            lines.append(f"  … and {len(skipped) - SKIPPED_SHOWN:,} more.")
        return lines


def _headings_note(file: str, header_line: int, above: tuple[tuple[int, str], ...]) -> list[str]:
    """Where the column headings were found, when not on the first line, and what was skipped above them."""
    if header_line == 1:
        return []
    if not above:
        return [f"{file}: the column headings are on line {header_line}, under blank lines."]
    skipped = [f'line {number} "{text}"' for number, text in above]
    listed = ", ".join(skipped[:-1]) + f" and {skipped[-1]}" if len(skipped) > 1 else skipped[0]
    return [f"{file}: the column headings are on line {header_line}; above them, {listed} "
            f"{'was' if len(skipped) == 1 else 'were'} skipped."]


def _count(number: int, thing: str) -> str:
    return f"{number:,} {thing}{'' if number == 1 else 's'}"

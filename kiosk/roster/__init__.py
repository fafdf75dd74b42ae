"""Importing the school roll (pupils and their carers) from SIMS, Arbor, Bromcom or plain CSV exports."""

from kiosk.roster.importer import import_roster
from kiosk.roster.parse import CarersFile, PupilsFile, RosterCarer, RosterPupil, parse_carers, parse_pupils
from kiosk.roster.report import ImportReport, Problem, PupilNote, RosterError

__all__ = [
    "CarersFile", "ImportReport", "Problem", "PupilNote", "PupilsFile", "RosterCarer", "RosterError",
    "RosterPupil", "import_roster", "parse_carers", "parse_pupils",
]

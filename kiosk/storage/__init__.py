"""The school's database as a desk or command uses it: kiosk.db with this desk's audit witness, and moving a
school onto PostgreSQL (`kiosk migrate`). It sits above kiosk.db and kiosk.audit, which know nothing of each
other's settings."""

from kiosk.storage.opening import THIS_DESKS_WITNESS, open_for_desk

__all__ = ["THIS_DESKS_WITNESS", "open_for_desk"]

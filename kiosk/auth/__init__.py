"""Staff, roles, PIN hashing, sign-in and lockout."""

from kiosk.auth.pins import WeakPin
from kiosk.auth.roles import Permission, Role, can
from kiosk.auth.staff import SignedIn, SignInRefused, StaffError, add_staff, sign_in, unlock_staff

__all__ = ["Permission", "Role", "SignInRefused", "SignedIn", "StaffError", "WeakPin", "add_staff", "can",
           "sign_in", "unlock_staff"]

"""The phone custody kiosk: follows every pupil's phone through the school day."""

__version__ = "0.1.0"

"""The kiosk's screens, one module per screen (with the dialogs it owns), and what they share: registry (every
screen by name, for the app), base (the screens away from the desk are built on it), desk_card (what the desk
card's barcodes do on every screen), finding (the pupil a scan or a typed name means), wording (a pupil's line, a
time said against today) and desk_words (the desk's own words). A screen moves to another only by a message
(kiosk/messages.py) that the app acts on."""

"""Sub-commands that live in their own modules. Each module has
`register(add, sub)`: `add(name, handler, help, parent)` makes a sub-parser whose handler takes (env, args).

Handlers import what they need inside, so `kiosk --help` never loads textual or a feature's dependencies.
"""

COMMAND_MODULES: tuple[str, ...] = (
    "kiosk.commands.report",
    "kiosk.commands.privacy",
    "kiosk.commands.papers",
    "kiosk.commands.labels",
    "kiosk.commands.migrate",
    "kiosk.commands.serve",
    "kiosk.commands.doctor",
    "kiosk.commands.schedule",
    "kiosk.commands.mail",
)

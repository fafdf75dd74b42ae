"""B1's and B4's baseline: a bare Textual app that only echoes scans — the floor any Textual kiosk stands on.

It takes each scan the way the kiosk's ScanBox does (Enter handled in the box's own key handler, value taken
and cleared at once, so a burst's scans stay apart) and shows "echo N: CODE". No database, no styles.

    python -m bench.bare_app --pidfile FILE
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from textual import events
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import Input, Static

READY = "bare echo app ready"


class EchoBox(Input):
    class Echo(Message):
        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value

    async def _on_key(self, event: events.Key) -> None:
        if event.key in ("enter", "ctrl+j"):
            event.stop()
            event.prevent_default()
            value = self.value
            self.clear()
            self.post_message(self.Echo(value))


class BareApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def compose(self) -> ComposeResult:
        yield Static(READY, id="title")
        yield EchoBox(placeholder="scan", id="scan")
        yield Static("", id="echo")

    def on_echo_box_echo(self, message: EchoBox.Echo) -> None:
        self.count += 1
        self.query_one("#echo", Static).update(f"echo {self.count}: {message.value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pidfile", type=Path, required=True)
    args = parser.parse_args(argv)
    args.pidfile.write_text(str(os.getpid()))
    BareApp().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

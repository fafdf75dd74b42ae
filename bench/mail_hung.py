"""B10: the desk while the mail relay hangs. 200 hand-ins (with a confiscation every 10th, which queues a notice)
through the domain, as the desk's worker runs them, timed one by one, in three conditions:

  off       mail_via = "off": no outbox, no thread (the desk as before issue 18)
  hung      the desk's outbox thread (kiosk/mail/background.py) sending to a relay that accepts the connection and
            never says a word (the thread waits out smtp_timeout_seconds, again and again)
  working   the same thread sending to a real relay (aiosmtpd, STARTTLS + login) as fast as it can: its claims
            and answers are write transactions beside the desk's

    python -m bench.mail_hung [--rounds 200]

Prints p50 / p99 / max per hand-in for each condition. The budget: hung and working within noise of off (p50
within 1 ms and p99 within 5 ms of it). This is the domain's time per scan, which is what the mail thread could
take from the desk; B1 (the terminal) sits on top of it and is not re-run here.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

from bench.common import percentile


def _run(condition: str, rounds: int) -> list[float]:
    from kiosk.custody.daily import hand_in
    from kiosk.db import Pupil, database_proxy
    from kiosk.documents.attachments import attachment_for
    from kiosk.mail.background import OutboxThread
    from kiosk.mail.senders import SmtpSender, SmtpSettings
    from tests.conftest import add_pupil, make_school, seal_fixture_rows
    from tests.mail_support import give_carers_email, mail_on, start_relay

    folder = Path(tempfile.mkdtemp(prefix=f"mail-bench-{condition}-"))
    school = make_school(folder)
    for n in range(rounds):
        add_pupil(school.clock, f"9{n:05d}", "Test", f"Pupil{n}", None, 9, "9B")
    seal_fixture_rows(school.keyring)
    pupils = list(range(6, 6 + rounds))
    school.pupils = list(Pupil.select().order_by(Pupil.id))
    for index in pupils[::10]:
        give_carers_email(school, index)
    thread = relay = hung = None
    if condition == "hung":
        hung = socket.socket()
        hung.bind(("127.0.0.1", 0))
        hung.listen(64)
        mail_on(school, hung.getsockname()[1], smtp_timeout_seconds=2.0)
        sender = SmtpSender(SmtpSettings(host="127.0.0.1", port=hung.getsockname()[1], security="starttls",
                                         timeout=2.0))
    elif condition == "working":
        relay = start_relay(folder)
        mail_on(school, relay.port)
        sender = relay.sender()
    if condition != "off":
        thread = OutboxThread(sender=sender, clock=school.clock, settings=school.settings,
                              render_attachment=attachment_for, every=0.2, audit_key=school.keyring.audit_key)
        thread.start()
    times = []
    try:
        for n, index in enumerate(pupils):
            if n % 10 == 0:
                school.confiscate(index)  # queues a notice (sent at once: mail_parent_delay_minutes = 0)
                if thread is not None:
                    thread.nudge()
                continue
            found = school.scanned(index)
            started = time.perf_counter()
            hand_in(school.ctx(), found)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        if thread is not None:
            thread.stop(timeout=3)
        if relay is not None:
            print(f"  ({condition}: the relay received {len(relay.received)} messages meanwhile)", file=sys.stderr)
            relay.stop()
        if hung is not None:
            hung.close()
        database_proxy.obj.close()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args(argv)
    print(f"{'condition':<10} {'n':>4} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    results: dict[str, list[float]] = {}
    # "off" is measured first and last: the difference between the two is this machine's noise right now (other
    # work on a shared 2-core machine moves a p99 by more than the budget), and the verdict allows that much.
    for condition in ("off", "hung", "working", "off again"):
        times = _run(condition.split()[0], args.rounds)
        results[condition] = times
        print(f"{condition:<10} {len(times):>4} {percentile(times, 50):>8.2f} {percentile(times, 99):>8.2f} "
              f"{max(times):>8.2f}")
    offs = (results["off"], results["off again"])
    noise50 = abs(percentile(offs[0], 50) - percentile(offs[1], 50))
    noise99 = abs(percentile(offs[0], 99) - percentile(offs[1], 99))
    worst50 = max(percentile(o, 50) for o in offs) + max(1.0, noise50)
    worst99 = max(percentile(o, 99) for o in offs) + max(5.0, noise99)
    ok = all(percentile(results[c], 50) <= worst50 and percentile(results[c], 99) <= worst99
             for c in ("hung", "working"))
    print(f"noise between the two 'off' runs: p50 {noise50:.2f} ms, p99 {noise99:.2f} ms; load average "
          f"{os.getloadavg()[0]:.1f}")
    print("hung and working within off + max(1 ms, noise) at p50 and off + max(5 ms, noise) at p99:",
          "yes" if ok else "NO")
    return 0


if __name__ == "__main__":
    sys.exit(main())

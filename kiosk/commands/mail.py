"""`kiosk mail test ADDRESS` and `kiosk outbox`: check the relay, see and retry messages, send, export for the MIS."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.cli import AddCommand, Env, Subcommands
    from kiosk.mail.senders import Sender


def register(add: AddCommand, sub: Subcommands) -> None:
    mail = add("mail", _help, "check the mail settings")
    p = add("test", cmd_mail_test, "send a test email to ADDRESS through the relay kiosk.toml names",
            mail.add_subparsers(metavar="ACTION"))
    p.add_argument("address")
    p = add("outbox", cmd_outbox, "the messages to carers and staff: list, retry, send, export for the MIS")
    p.add_argument("--failed", action="store_true", help="only messages that failed")
    p.add_argument("--retry", type=int, metavar="ID", help="queue a failed or withheld message again, now")
    actions = p.add_subparsers(metavar="ACTION")
    q = add("export", cmd_outbox_export, "write the queued messages as a ParentMail / Groupcall CSV and mark them "
                                         "sent by export", actions)
    q.add_argument("--csv", required=True, metavar="FILE", help="the CSV file to write")
    q = add("send", cmd_outbox_send, "send what is due now (with --loop: keep sending; a service or scheduled task)",
            actions)
    q.add_argument("--loop", action="store_true", help="keep running, sending what falls due")
    q.add_argument("--every", type=float, default=30.0, metavar="SECONDS", help="how often to look (default 30)")


def _help(env: Env, args: argparse.Namespace) -> int:
    env.say("kiosk mail test ADDRESS: send a test email through the relay in kiosk.toml.")
    return 2


def _sender(env: Env) -> Sender:
    from kiosk.config import key_file_path
    from kiosk.mail.from_settings import sender_from_settings

    return sender_from_settings(env.settings, key_file=key_file_path(env.settings))


def cmd_mail_test(env: Env, args: argparse.Namespace) -> int:
    from kiosk.errors import DeskError
    from kiosk.mail.addresses import checked_address
    from kiosk.mail.compose import Outgoing, compose
    from kiosk.mail.errors import MailNotSent
    from kiosk.mail.outbox import new_message_id

    if "@" not in env.settings.mail_from:
        env.say("Set mail_from in kiosk.toml (the address messages come from) first.")
        return 1
    try:
        address = checked_address(args.address)  # one plain address: never a line break, a list or a header
        sender = _sender(env)
        mail = compose(Outgoing(message_id=new_message_id(env.settings.mail_from), recipient=address,
                                recipient_name="", subject=f"Test from the {env.settings.school_name} phone kiosk",
                                body="This is a test from the school office's phone kiosk: its mail settings work.\n",
                                resends=0, template="test"),
                       sender_address=env.settings.mail_from, sender_name=env.settings.school_name,
                       reply_to=env.settings.mail_reply_to, date_header=env.clock.now())
        with sender.session() as session:
            answer = session.send(mail)
    except MailNotSent as exc:
        env.say(f"NOT SENT. {exc.message} The server said: {exc.answer}")
        return 1
    except DeskError as exc:
        env.say(f"NOT SENT. {exc.message}")
        return 1
    env.say(f"Sent to {address}. The server said: {answer}")
    return 0


def cmd_outbox(env: Env, args: argparse.Namespace) -> int:
    from kiosk.errors import DeskError
    from kiosk.mail import outbox

    env.open()
    if args.retry is not None:
        try:
            line = outbox.retry(message_id=args.retry, now=env.clock.now(),
                                audit=outbox.Trail(key=env.keyring().audit_key, desk=env.settings.desk))
        except DeskError as exc:
            env.say(exc.message)
            return 1
        env.say(f"Message {line.id} to {line.recipient} is queued again.")
        return 0
    lines = outbox.listing(states=("failed",) if args.failed else ())
    if not lines:
        env.say("No failed messages." if args.failed else "The outbox is empty.")
        return 0
    for line in lines:
        env.say(_line_in(line, env))
    return 0


def _line_in(line: object, env: Env) -> str:
    from kiosk.clock import local
    from kiosk.formatting import short_date_time
    from kiosk.mail.outbox import OutboxLine

    assert isinstance(line, OutboxLine)
    when = line.sent_at or line.next_try_at
    tries = f", {line.attempts} tr{'y' if line.attempts == 1 else 'ies'}" if line.attempts else ""
    resent = f", resent {line.resends}x" if line.resends else ""
    answer = f" - {line.answer}" if line.answer else ""
    return (f"{line.id:>6}  {line.state:<8} {short_date_time(local(when, env.settings.tz))}  {line.template:<20} "
            f"{line.recipient}{tries}{resent}{answer}")


def cmd_outbox_export(env: Env, args: argparse.Namespace) -> int:
    from kiosk.errors import DeskError
    from kiosk.mail.export import export_csv

    env.open()
    try:
        done = export_csv(path=Path(args.csv), now=env.clock.now(), audit_key=env.keyring().audit_key,
                          desk=env.settings.desk)
    except DeskError as exc:
        env.say(exc.message)
        return 1
    held = f"; {done.withheld} withheld (safeguarding hold)" if done.withheld else ""
    env.say(f"{done.messages} message(s) written to {done.path} and marked sent by export{held}.")
    return 0


def cmd_outbox_send(env: Env, args: argparse.Namespace) -> int:
    from kiosk.documents.attachments import attachment_for
    from kiosk.errors import DeskError
    from kiosk.mail.worker import send_due

    if env.settings.mail_via != "smtp":
        env.say(f"mail_via is {env.settings.mail_via!r} in kiosk.toml: nothing is sent by email.")
        return 1
    env.open()
    try:
        sender = _sender(env)
    except DeskError as exc:
        env.say(exc.message)
        return 1
    audit_key = env.keyring().audit_key
    while True:
        done = send_due(sender=sender, clock=env.clock, settings=env.settings, render_attachment=attachment_for,
                        audit_key=audit_key)
        if done.sent or done.retried or done.failed or done.withheld or done.reason:
            stopped = f" Stopped: {done.reason}" if done.reason else ""
            env.say(f"Sent {done.sent} (resent {done.resent}), to try again {done.retried}, failed {done.failed}, "
                    f"withheld {done.withheld}.{stopped}")
        if not args.loop:
            return 0
        time.sleep(max(1.0, args.every))

"""The demo's SMTP server (aiosmtpd): every mail Finsam sends is written to var/mail/ as
an .eml file and as a readable .txt (headers and the plain-text part).

Usage: python scripts/demo_mail.py [PORT]   (default 8025, Finsam's default EMAIL_PORT)
"""

from __future__ import annotations

import re
import sys
import time
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller

MAIL_DIR = Path(__file__).resolve().parent.parent / "var" / "mail"


class WriteToFiles:
    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        to = re.sub(r"[^A-Za-z0-9@._-]", "_", ",".join(envelope.rcpt_tos))
        stem = f"{datetime.now().astimezone():%Y%m%d-%H%M%S-%f}-{to}"
        (MAIL_DIR / f"{stem}.eml").write_bytes(envelope.content)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        header = f"Från: {message['From']}\nTill: {message['To']}\nÄmne: {message['Subject']}\n\n"
        (MAIL_DIR / f"{stem}.txt").write_text(header + text, encoding="utf-8")
        print(f"Mejl till {message['To']}: {MAIL_DIR / stem}.txt", flush=True)
        return "250 Message accepted for delivery"


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8025
    MAIL_DIR.mkdir(parents=True, exist_ok=True)
    controller = Controller(WriteToFiles(), hostname="127.0.0.1", port=port)
    controller.start()
    print(
        f"Demons e-postserver lyssnar på 127.0.0.1:{port}; mejlen hamnar i {MAIL_DIR}", flush=True
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()

"""A local SMTP server for the demo: it accepts every message and appends it
to an mbox file, so that the reminders the demo's mail queue sends end up
somewhere you can read (any mail client opens an mbox), and none reaches a
real address.

    python setup/smtp_sink.py --port 2525 --mbox /path/demo.mbox

Enough of SMTP (RFC 5321) for Odoo's smtplib client: HELO/EHLO, MAIL, RCPT,
DATA, RSET, NOOP, QUIT; no authentication, no TLS (loopback only).
"""
import argparse
import asyncio
import email
import mailbox
from email import policy


class Session:
    def __init__(self, mbox_path):
        self.mbox_path = mbox_path
        self.reset()

    def reset(self):
        self.sender, self.recipients = None, []

    def store(self, data):
        message = email.message_from_bytes(data, policy=policy.compat32)
        message["X-Sink-Envelope-From"] = self.sender or ""
        message["X-Sink-Envelope-To"] = ", ".join(self.recipients)
        box = mailbox.mbox(self.mbox_path)
        try:
            box.lock()
            box.add(message)
            box.flush()
        finally:
            box.unlock()
            box.close()


async def handle(reader, writer, mbox_path):
    session = Session(mbox_path)

    async def reply(line):
        writer.write(line.encode() + b"\r\n")
        await writer.drain()

    await reply("220 credit-control demo SMTP sink")
    while line := await reader.readline():
        command = line.decode(errors="replace").strip()
        verb = command[:4].upper()
        if verb == "EHLO":
            await reply("250-localhost")
            await reply("250-8BITMIME")
            await reply("250 SMTPUTF8")
        elif verb == "HELO":
            await reply("250 localhost")
        elif verb == "MAIL":
            session.reset()
            session.sender = command.partition(":")[2].split()[0].strip("<>") if ":" in command else ""
            await reply("250 OK")
        elif verb == "RCPT":
            session.recipients.append(command.partition(":")[2].split()[0].strip("<>"))
            await reply("250 OK")
        elif verb == "DATA":
            await reply("354 End data with <CR><LF>.<CR><LF>")
            lines = []
            while (data := await reader.readline()) not in (b".\r\n", b".\n", b""):
                lines.append(data[1:] if data.startswith(b"..") else data)
            session.store(b"".join(lines))
            session.reset()
            await reply("250 OK: stored")
        elif verb in ("RSET", "NOOP"):
            session.reset() if verb == "RSET" else None
            await reply("250 OK")
        elif verb == "QUIT":
            await reply("221 Bye")
            break
        else:
            await reply("502 Command not implemented")
    writer.close()


async def serve(port, mbox_path):
    server = await asyncio.start_server(lambda r, w: handle(r, w, mbox_path), "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mbox", required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.mbox))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""An SMTP server for the Mail integration tests, built on aiosmtpd.

It listens on 127.0.0.1 on a port the kernel picks, writes that port to --ready-file once it
accepts connections, and stores every accepted message in --directory as NNNN.eml (the bytes
received, dot-unstuffed) and NNNN.json (the envelope plus what Python's email package parses
out of the message). The JSON file is written last, by rename, so its presence means the
message is complete. SIGTERM stops the server.

Options: --user/--password require AUTH PLAIN or LOGIN (allowed without TLS, for tests);
--reject ADDRESS answers 550 to RCPT TO that address; --cert/--key enable STARTTLS, or TLS
from the first byte with --implicit-tls; --require-starttls refuses mail before STARTTLS;
--silent accepts connections and never says a word (for timeouts and cancellation).
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import ssl

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class SavingHandler:
    def __init__(self, directory, rejected):
        self.directory = directory
        self.rejected = {address.lower() for address in rejected}
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.rejected:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, "%04d" % self.count)
        raw = envelope.original_content
        with open(base + ".eml", "wb") as file:
            file.write(raw)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        summary = {
            "mailFrom": envelope.mail_from,
            "rcptTos": envelope.rcpt_tos,
            "authenticated": bool(session.authenticated),
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "subject": str(message["subject"]),
            "from": str(message["from"]),
            "to": [address.addr_spec for address in message["to"].addresses],
            "toNames": [address.display_name for address in message["to"].addresses],
            "contentType": message.get_content_type(),
            "text": content(message, "plain"),
            "html": content(message, "html"),
            "defects": [str(defect) for part in message.walk() for defect in part.defects],
        }
        with open(base + ".json.tmp", "w", encoding="utf-8") as file:
            json.dump(summary, file)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 Message accepted for delivery"


def content(message, subtype):
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    return part.get_content().replace("\r\n", "\n")


def make_authenticator(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok, handled=False)

    return authenticate


async def serve(args):
    loop = asyncio.get_running_loop()
    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    handler = SavingHandler(args.directory, args.reject)

    def smtp():
        return SMTP(
            handler,
            hostname="hxb-test-smtp",
            tls_context=None if args.implicit_tls else context,
            require_starttls=args.require_starttls,
            auth_required=args.user is not None,
            auth_require_tls=False,
            authenticator=make_authenticator(args.user, args.password) if args.user is not None else None,
        )

    async def silent(reader, writer):
        await reader.read()

    if args.silent:
        server = await asyncio.start_server(silent, "127.0.0.1", 0)
    else:
        server = await loop.create_server(
            smtp, "127.0.0.1", 0, ssl=context if args.implicit_tls else None
        )
    port = server.sockets[0].getsockname()[1]
    with open(args.ready_file + ".tmp", "w") as file:
        file.write(str(port))
    os.rename(args.ready_file + ".tmp", args.ready_file)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    server.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--directory", required=True)
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--user")
    parser.add_argument("--password", default="")
    parser.add_argument("--reject", action="append", default=[])
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--require-starttls", action="store_true")
    parser.add_argument("--silent", action="store_true")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()

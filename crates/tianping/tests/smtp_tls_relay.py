"""A relay as courts run them, for the mail test: it refuses mail until the client has switched to
TLS (STARTTLS) and logged in (AUTH over TLS only), then writes each message into a Maildir.

    python3 smtp_tls_relay.py PORT MAILDIR CERT KEY USER PASSWORD
"""
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword

port, maildir, cert, key, user, password = sys.argv[1:7]
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == user.encode()
        and auth_data.password == password.encode()
    )
    return AuthResult(success=ok, handled=False)


controller = Controller(
    Mailbox(maildir),
    hostname="127.0.0.1",
    port=int(port),
    tls_context=ctx,
    require_starttls=True,
    authenticator=authenticate,
    auth_required=True,
    auth_require_tls=True,
)
controller.start()
while True:
    time.sleep(3600)

"""A text-message gateway as Tianping expects one (see crates/tianping/src/sms.rs), for the SMS
test: it takes POST requests whose body is JSON {"id", "to", "text"} with
`Authorization: Bearer TOKEN`, answers 503 to the first FAIL of them, then 200, and appends each
message it accepts to OUT as a JSON line. Given CERT and KEY it speaks HTTPS.

    python3 sms_gateway.py PORT OUT TOKEN FAIL [CERT KEY]
"""
import json
import ssl
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

port, out, token, fail = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
failed = 0


class Gateway(BaseHTTPRequestHandler):
    def do_POST(self):
        global failed
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Authorization") != f"Bearer {token}":
            return self.answer(401, "unknown token")
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            return self.answer(415, "JSON only")
        try:
            msg = json.loads(body)
        except ValueError:
            return self.answer(400, "not JSON")
        if sorted(msg) != ["id", "text", "to"]:
            return self.answer(400, "fields: id, to, text")
        if failed < fail:
            failed += 1
            return self.answer(503, "busy")
        with open(out, "a", encoding="utf-8") as f:
            f.write(json.dumps(msg, ensure_ascii=False) + "\n")
        self.answer(200, '{"accepted": true}')

    def answer(self, code, text):
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", port), Gateway)
if len(sys.argv) > 6:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(sys.argv[5], sys.argv[6])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.serve_forever()

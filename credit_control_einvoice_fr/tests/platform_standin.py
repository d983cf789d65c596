"""A stand-in of an approved platform (PDP) on loopback, for the tests: the
part of the AFNOR XP Z12-013 flow API the module uses (OAuth2 client
credentials, search flows, get flow, send flow), over real HTTP."""

import base64
import json
import os
import socket
import threading
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote_plus

TOKEN = "standin-token"
PREFIX = "/afnor-flow/v1/flows"


class PlatformStandin:
    """Flows received for the company (``publish``), and the flows it sent
    (``sent``), served by a thread until ``stop``."""

    def __init__(self, client_id, client_secret):
        self.client_id = client_id
        self.client_secret = client_secret
        self.flows = {}  # flow id -> (metadata, content)
        self.sent = []  # (metadata, content)
        self.requests = []  # (method, path)
        self.server = ThreadingHTTPServer(("127.0.0.1", self._port()), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def _port():
        """A free port of the test range (CC_TEST_HTTP_PORT + 1 ... + 9), or
        any free port when the range is not set."""
        base = int(os.environ.get("CC_TEST_HTTP_PORT") or 0)
        for port in range(base + 1, base + 10) if base else ():
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)):
                    return port
        return 0

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def publish(self, content, updated_at, name="cdar.xml", flow_type="CustomerInvoiceLC"):
        flow_id = str(uuid.uuid4())
        self.flows[flow_id] = ({
            "flowId": flow_id, "name": name, "flowSyntax": "CDAR", "flowType": flow_type,
            "flowDirection": "In", "submittedAt": updated_at, "updatedAt": updated_at,
            "acknowledgement": {"status": "Ok"},
        }, content)
        return flow_id

    def _handler(self):
        return type("Handler", (StandinHandler,), {"standin": self})


class StandinHandler(BaseHTTPRequestHandler):
    """The requests of the flow API; ``standin`` is the platform it serves."""

    standin = None

    def log_message(self, *args):
        pass

    def _reply(self, status, payload=None, content=None):
        body = content if content is not None else json.dumps(payload or {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml" if content is not None else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _authorized(self):
        if self.headers.get("Authorization") == f"Bearer {TOKEN}":
            return True
        self._reply(401, {"errorCode": "401", "errorMessage": "Unauthorized"})
        return False

    def do_POST(self):
        self.standin.requests.append(("POST", self.path))
        body = self._body()
        if self.path == "/oauth2/token":
            return self._token(body)
        if not self._authorized():
            return None
        if self.path == f"{PREFIX}/search":
            return self._search(json.loads(body)["where"])
        if self.path == PREFIX:
            return self._receive(body)
        return self._reply(404, {"errorCode": "404", "errorMessage": "Not found"})

    def _token(self, body):
        form = dict(pair.split("=", 1) for pair in body.decode().split("&") if "=" in pair)
        auth = self.headers.get("Authorization", "")
        credentials = (unquote_plus(form.get("client_id", "")), unquote_plus(form.get("client_secret", "")))
        if auth.startswith("Basic "):
            basic = base64.b64decode(auth.removeprefix("Basic ")).decode()
            credentials = tuple(unquote_plus(part) for part in basic.split(":", 1))
        if form.get("grant_type") != "client_credentials" or credentials != (
            self.standin.client_id, self.standin.client_secret,
        ):
            return self._reply(400, {"error": "invalid_client"})
        return self._reply(200, {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600})

    def _search(self, where):
        results = [
            meta for meta, _content in self.standin.flows.values()
            if meta["updatedAt"] > where["updatedAfter"]
            and meta["flowType"] in where.get("flowType", [meta["flowType"]])
            and meta["flowDirection"] in where.get("flowDirection", [meta["flowDirection"]])
        ]
        return self._reply(200, {"results": results})

    def _receive(self, body):
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body
        )
        parts = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
        info = json.loads(parts["flowInfo"].get_content())
        meta = {"flowId": str(uuid.uuid4()), "flowSyntax": info["flowSyntax"], "name": info["name"]}
        self.standin.sent.append((meta, parts["file"].get_payload(decode=True)))
        return self._reply(202, meta)

    def do_GET(self):
        self.standin.requests.append(("GET", self.path))
        if not self._authorized():
            return None
        path, _sep, query = self.path.partition("?")
        flow_id = path.removeprefix(f"{PREFIX}/")
        if flow_id not in self.standin.flows:
            return self._reply(404, {"errorCode": "404", "errorMessage": "Unknown flow"})
        meta, content = self.standin.flows[flow_id]
        if "docType=Original" in query:
            return self._reply(200, content=content)
        return self._reply(200, meta)

"""Who may use the explorer: a Host-header check against DNS rebinding, an access token
whenever it listens beyond this machine (as Jupyter's server does), and a cap on request
bodies so no client can send the server more than a scenario's worth of data.

On loopback only loopback host names are answered (a page on another site that rebinds its
name to 127.0.0.1 is refused) and no token is needed. Bound to any other address, every
request must carry the token once (`?token=...` in the printed URL); the server then
remembers it in a cookie for that browser.

Every browser also gets a session of the server's own (`session_id`): a random id in a cookie
signed with a key that lives only in this server process, so a page cannot choose or forge
it. The comparison queue is fair between sessions, not between the tab ids pages send.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import socket
from dataclasses import dataclass, field

import flask

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_REQUEST_BYTES = 1_000_000  # a callback with an uploaded scenario (base64) fits easily
COOKIE = "b2bsim_token"
SESSION_COOKIE = "b2bsim_session"
SESSION_KEY = "id"
ANONYMOUS = "anonymous"
"""The one session shared by requests that refuse the cookie (scripts): they queue as one."""


def session_id() -> str:
    """This request's server-side session (inside a request of an installed server); a
    session given out by this very request (its cookie was not sent back) is anonymous."""
    if flask.g.get("new_session"):
        return ANONYMOUS
    value = flask.session.get(SESSION_KEY)
    return value if isinstance(value, str) and value else ANONYMOUS


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    return host in ("0.0.0.0", "::", "")


def host_name(header: str) -> str:
    """'example.org:8050' -> 'example.org'; '[::1]:8050' -> '::1'."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def network_address() -> str:
    """This machine's address on its default route (no packet is sent), else its name."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the outgoing interface
            return probe.getsockname()[0]
        except OSError:
            return socket.gethostname()


@dataclass(frozen=True)
class Access:
    """The rules for one server: which Host names it answers to and its token (None on
    loopback)."""

    bind: str
    token: str | None = None
    names: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def for_host(cls, bind: str) -> Access:
        if is_loopback(bind):  # the loopback names, and the address it prints (127.0.0.2)
            return cls(bind, None, LOOPBACK_NAMES | {host_name(bind)})
        # On a workshop network participants reach the machine by whatever name or address
        # their network gives it; the token, which a rebinding page cannot know, guards it.
        return cls(bind, secrets.token_urlsafe(24), frozenset())

    def url(self, port: int) -> str:
        """The address to hand out: for a wildcard bind, this machine's address on the
        network (participants may not resolve its name)."""
        shown = self.bind
        if is_wildcard(shown):
            shown = network_address()
        if ":" in shown:
            shown = f"[{shown}]"
        return f"http://{shown}:{port}/" + (f"?token={self.token}" if self.token else "")

    def refusal(self, request: flask.Request) -> str | None:
        """Why this request is refused, or None to let it through."""
        if self.names and host_name(request.host or "") not in self.names:
            return "unknown Host header: open the explorer by the address it printed"
        if self.token is None:
            return None
        given = request.args.get("token") or request.cookies.get(COOKIE) or ""
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            return "this explorer needs its access token: open the full URL it printed"
        return None

    def install(self, server: flask.Flask) -> None:
        """Check every request before Dash sees it; cap request bodies."""
        server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
        server.secret_key = secrets.token_bytes(32)  # sessions end with the server
        server.config.update(
            SESSION_COOKIE_NAME=SESSION_COOKIE,
            SESSION_COOKIE_HTTPONLY=True,
            SESSION_COOKIE_SAMESITE="Strict",
        )

        @server.before_request
        def check() -> flask.Response | None:
            problem = self.refusal(flask.request)
            if problem is not None:
                return flask.Response(problem + "\n", status=403, mimetype="text/plain")
            length = flask.request.content_length
            if length is not None and length > MAX_REQUEST_BYTES:
                return flask.Response(
                    f"request larger than {MAX_REQUEST_BYTES:,} bytes\n",
                    status=413,
                    mimetype="text/plain",
                )
            if SESSION_KEY not in flask.session:
                flask.session[SESSION_KEY] = secrets.token_urlsafe(16)
                flask.g.new_session = True
            return None

        @server.after_request
        def remember(response: flask.Response) -> flask.Response:
            if self.token and flask.request.args.get("token") == self.token:
                response.set_cookie(COOKIE, self.token, httponly=True, samesite="Strict")
            return response

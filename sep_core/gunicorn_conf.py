"""gunicorn settings the project ships: ``gunicorn -c python:sep_core.gunicorn_conf "sep_core:create_app()"``.

The access log keeps the client, the method, the path, the status, the size and the timing, but
never the query string, token-like path segments (reset links) or the Referer: questions
(``?q=``, ``?description=``), registry reasons and reset tokens travel there, and personal data
must not reach the logs (the same rule as the development server's, ``sep_core.inputs``).
"""

from gunicorn.glogging import Logger

from sep_core.inputs import scrub_target


class PrivateAccessLogger(Logger):
    """gunicorn's logger with the request target scrubbed in every atom that carries it."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        target = scrub_target(environ.get("RAW_URI") or environ.get("PATH_INFO") or "")
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {target} {environ.get('SERVER_PROTOCOL')}"
        atoms["U"] = scrub_target(environ.get("PATH_INFO") or "")
        atoms["q"] = "…" if environ.get("QUERY_STRING") else ""
        atoms["f"] = "-"
        return {k: v for k, v in atoms.items() if not k.startswith("{")}  # no raw request headers


logger_class = PrivateAccessLogger
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

"""gunicorn settings the project ships: ``gunicorn -c python:sep_core.gunicorn_conf "sep_core:create_app()"``.

The access log keeps the method, the path, the status and the timing, but never the query string
or the Referer: questions (``?q=``, ``?description=``), reset tokens and registry reasons travel
there, and personal data must not reach the logs. ``%(U)s`` is the path without the query.
"""

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'

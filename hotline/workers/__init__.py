"""SIP worker processes: one pjsua2 Endpoint (4 calls) each, supervised by `hotline serve --sip-workers N`.

- :mod:`hotline.workers.services`: DB, analyzer, ASR and sip.conf, as a worker (or embedded SIP) needs them.
- :mod:`hotline.workers.layout`: ports and directories of worker *i* (derived from sip.conf).
- :mod:`hotline.workers.worker`: the worker process (``python -m hotline.workers.worker``).
- :mod:`hotline.workers.channel`: JSON-lines events from a worker to the main process.
- :mod:`hotline.workers.journal`: in-flight call journal; cases for calls cut by a crash.
- :mod:`hotline.workers.supervisor`: starts, restarts and listens to the workers (main process).
- :mod:`hotline.workers.mirror`: the workers' calls in the main process's live-call registry.
- :mod:`hotline.workers.node_events`: events between nodes over PostgreSQL LISTEN/NOTIFY.
"""

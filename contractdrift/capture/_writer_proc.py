"""The recorder's writer process (``offload="process"``): builds, redacts and writes exchanges.

Started by :class:`contractdrift.Recorder` with ``python -m contractdrift.capture._writer_proc`` (a
fresh interpreter: the host application's ``__main__`` is never re-imported, unlike
``multiprocessing``'s spawn), in its own session so that a terminal's Ctrl-C reaches only the host,
which then flushes. It talks to the recorder over its stdin/stdout pipes only (private to the two
processes), in length-prefixed pickled frames:

* recorder -> writer: ``("config", {...})`` once, then ``("batch", [raw captures])`` and finally
  ``("close",)``;
* writer -> recorder: ``("ready", pid)``, one ``("ack", n, written, errors, truncated, error_text)``
  per batch (after the batch's single ``write()``), ``("closed",)``.

End of input (the host died) flushes and exits too. SIGINT and SIGTERM are ignored: the host decides
when recording ends. Anything the writer prints goes to stderr; its stdout is the reply pipe.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from multiprocessing.connection import Connection
from typing import Any

from ._raw import Backend


def serve(conn_in: Connection, conn_out: Connection) -> int:
    """Run the writer loop on two connections; returns the exit status."""
    kind, config = pickle.loads(conn_in.recv_bytes())
    if kind != "config":
        return 2
    backend = Backend(
        config["path"],
        redactor=config["redactor"],
        tags=config["tags"],
        max_body_bytes=config["max_body_bytes"],
        compress=config["compress"],
        rotate_bytes=config["rotate_bytes"],
    )
    conn_out.send_bytes(pickle.dumps(("ready", os.getpid())))
    try:
        while True:
            try:
                message: tuple[Any, ...] = pickle.loads(conn_in.recv_bytes())
            except EOFError:
                return 0
            if message[0] == "batch":
                items = message[1]
                written, errors, truncated, error = backend.process(items)
                conn_out.send_bytes(pickle.dumps(("ack", len(items), written, errors, truncated, error)))
            elif message[0] == "close":
                backend.close()
                conn_out.send_bytes(pickle.dumps(("closed",)))
                return 0
    finally:
        backend.close()


def main() -> int:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    reply_fd = os.dup(1)
    os.dup2(2, 1)  # stray prints must not corrupt the reply pipe
    sys.stdout = sys.stderr
    conn_in = Connection(os.dup(0), writable=False)
    conn_out = Connection(reply_fd, readable=False)
    try:
        return serve(conn_in, conn_out)
    except (BrokenPipeError, EOFError, ConnectionError):
        return 0


if __name__ == "__main__":
    sys.exit(main())

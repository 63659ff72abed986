"""The recorder's writer process (``offload="process"``): builds, redacts and writes exchanges.

Started by :class:`contractdrift.Recorder` with ``python -m contractdrift.capture._writer_proc`` (a
fresh interpreter: the host application's ``__main__`` is never re-imported, unlike
``multiprocessing``'s spawn), in its own session so that a terminal's Ctrl-C reaches only the host,
which then flushes. It talks to the recorder over its stdin/stdout pipes only (private to the two
processes), in length-prefixed pickled frames:

* recorder -> writer: ``("config", {...})`` once, then ``("batch", [raw captures], ids, resume)``
  and finally ``("close",)``. A batch of packed ASGI raw captures comes as msgpack instead (tuples
  arrive as lists; see ``_wire``). ``ids`` is the block of exchange ids the recorder reserved for the
  batch; ``resume`` is ``None``, or, when the batch is re-sent after the previous writer died
  holding it, the position after the last acknowledged batch (see ``JsonlWriter.write_many``);
* writer -> recorder: ``("ready", pid, position)``, one
  ``("ack", n, written, errors, truncated, error_text, position)`` per batch, sent once the batch's
  single ``write()`` returned (what is written survives the writer's death: it is in the file), and
  ``("closed",)``. ``position`` is ``(inode, end offset)`` of the file, taken under its lock.

The recorder keeps each batch until its ack arrives; when the writer dies (killed, crashed), it
starts a replacement and sends the batch again with ``resume``, and the replacement writes only the
exchanges not already in the file (so nothing is lost and no id is written twice).

End of input (the host died) flushes and exits too. SIGINT and SIGTERM are ignored: the host decides
when recording ends. Anything the writer prints goes to stderr; its stdout is the reply pipe.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
from multiprocessing.connection import Connection
from typing import Any

from ..store.jsonl import encode_exchange
from ._ids import id_in_block
from ._raw import Backend
from ._wire import decode_message

_COLLECT_EVERY = 64  # batches between the writer's explicit garbage collections


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
    fault = config.get("fault")  # fault injection for tests: (batch number, "written" or "torn")
    batches = 0
    position = backend.writer.tell() if backend.writer is not None else None
    # The cyclic collector only gets in the way here: a batch makes trees (decoded captures, parts,
    # exchanges, lines), all freed by reference counting, yet their allocations trigger collections
    # that walk them again and again (a third of the writer's time on a busy recording). So: the
    # start-up objects frozen out of its way, and one explicit collection every _COLLECT_EVERY
    # batches for the rare cycle (an exception with its traceback).
    gc.freeze()
    gc.disable()
    conn_out.send_bytes(pickle.dumps(("ready", os.getpid(), position)))
    try:
        while True:
            try:
                message: tuple[Any, ...] = decode_message(conn_in.recv_bytes())
            except EOFError:
                return 0
            if message[0] == "batch":
                _, items, ids, resume = message
                batches += resume is None  # a re-sent batch is not counted: each writer dies once
                if fault is not None and fault[0] == batches and resume is None:
                    _die_in(backend, items, ids, resume, fault[1])
                written, errors, truncated, error = backend.process(items, ids, resume)
                conn_out.send_bytes(pickle.dumps(("ack", len(items), written, errors, truncated, error,
                                                  backend.position)))
                del message, items
                if batches % _COLLECT_EVERY == 0:
                    gc.collect()
            elif message[0] == "close":
                backend.close()
                conn_out.send_bytes(pickle.dumps(("closed",)))
                return 0
    finally:
        backend.close()
        gc.enable()
        gc.unfreeze()


def _die_in(backend: Backend, items: list[tuple[Any, ...]], ids: Any, resume: Any, how: str) -> None:
    """Die by SIGKILL as a writer killed at the worst moments would: after writing the whole batch
    but before acknowledging it (``"written"``), or in the middle of its write (``"torn"``: half
    the batch's lines, then part of the next one). Only for tests (``config["fault"]``)."""
    if how == "written":
        backend.process(items, ids, resume)
    elif how == "torn" and backend.writer is not None:
        half = len(items) // 2
        backend.process(items[:half], ids, resume)
        line = encode_exchange(backend.exchange(items[half], id_in_block(ids, half)))
        with open(backend.writer.path, "ab") as fh:
            fh.write(line[: len(line) // 2])
    os.kill(os.getpid(), signal.SIGKILL)


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

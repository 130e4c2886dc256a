"""A speech server speaking the vosk-server WebSocket protocol (see :mod:`asr.remote`) over one local model.

`hotline asr serve` runs it: once per machine, so that every SIP worker decodes through it and the machine
holds one model (a Vosk model costs ~500 MB per process that loads it), or on a machine of its own.
Sessions take warm recognizers from a pool per sample rate; decoding runs on one thread per core, and each
session's messages are decoded in order, so no recognizer is ever used by two threads.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from asr.recognizer import Recognizer
from asr.recognizer_pool import RecognizerPool
from asr.vosk_backend import VoskModel

log = logging.getLogger(__name__)
EOF_MESSAGE, RESET_MESSAGE = '{"eof" : 1}', '{"reset" : 1}'
MAX_MESSAGE_BYTES = 4 * 1024 * 1024  # one message of audio: far more than any client sends at once


class SpeechServer:
    def __init__(self, model: VoskModel, *, pool_size: int = 8, threads: int | None = None) -> None:
        self.model = model
        self.pool_size = pool_size
        self._pools: dict[int, RecognizerPool] = {}
        self._pools_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(threads or os.cpu_count() or 1, thread_name_prefix="asr-serve")
        self.sessions = 0
        self.pool(model.sample_rate)  # warm recognizers for the model's own rate, made before the first call

    def pool(self, rate: int) -> RecognizerPool:
        with self._pools_lock:
            if rate not in self._pools:
                size = self.pool_size if rate == self.model.sample_rate else 1
                self._pools[rate] = RecognizerPool(self.model, size, rate)
            return self._pools[rate]

    async def run(self, host: str, port: int, *, ready: threading.Event | None = None) -> None:
        async with serve(self._session, host, port, max_size=MAX_MESSAGE_BYTES) as server:
            log.info("speech server on ws://%s:%d (model %s)", host, port, self.model.path)
            if ready is not None:
                ready.set()
            await server.serve_forever()

    async def _session(self, ws: ServerConnection) -> None:
        self.sessions += 1
        loop = asyncio.get_running_loop()
        rate, phrases = self.model.sample_rate, None
        recognizer: Recognizer | None = None
        try:
            async for message in ws:
                if isinstance(message, str) and message not in (EOF_MESSAGE, RESET_MESSAGE):
                    config = json.loads(message).get("config", {})  # a malformed text ends the session
                    rate = int(config.get("sample_rate", rate))
                    phrases = config.get("phrase_list") or None
                    continue
                if recognizer is None:
                    recognizer = self.pool(rate).acquire(phrases)
                    if recognizer is None:  # every pooled recognizer is in a session: come back later
                        await ws.close(1013, "all recognizers busy, try again")
                        break
                reply, done = await loop.run_in_executor(self._executor, _answer, recognizer, message)
                await ws.send(json.dumps(reply, ensure_ascii=False))
                if done:
                    break
        except ConnectionClosed:
            pass  # the client went away: its recognizer goes back to the pool below
        except (ValueError, AttributeError) as exc:
            await ws.close(1003, f"bad message: {exc}"[:120])
        finally:
            if recognizer is not None:
                self.pool(rate).release(recognizer)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def _answer(recognizer: Recognizer, message: bytes | str) -> tuple[dict[str, Any], bool]:
    """The server's one answer to a message, and whether the session ends (upstream's process_chunk)."""
    if message == EOF_MESSAGE:
        return recognizer.final(), True
    if message == RESET_MESSAGE:
        return recognizer.final(), False
    assert isinstance(message, bytes)
    if recognizer.accept(message):
        return recognizer.result(), False
    return {"partial": recognizer.partial()}, False

"""Parse once: compiled processes cached in memory by content hash (design.md invariant 3)."""

from __future__ import annotations

import threading
from collections import OrderedDict

from engine.errors import DeploymentInvalid, Problem
from engine.models import ProcessDefinition

from .bundle import Bundle
from .compile import CompiledProcess, compile_bundle


class SpecCache:
    """A bounded, thread-safe map content_hash -> CompiledProcess."""

    def __init__(self, max_entries: int = 256) -> None:
        self._entries: OrderedDict[str, CompiledProcess] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self.misses = 0

    def put(self, compiled: CompiledProcess) -> None:
        """Remember a freshly compiled process."""
        with self._lock:
            self._entries[compiled.content_hash] = compiled
            self._entries.move_to_end(compiled.content_hash)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def get(self, definition: ProcessDefinition) -> CompiledProcess:
        """The compiled process of `definition`, parsing its stored files on a miss."""
        with self._lock:
            found = self._entries.get(definition.content_hash)
            if found is not None:
                self._entries.move_to_end(definition.content_hash)
                return found
        self.misses += 1
        files = {name: text.encode("utf-8") for name, text in definition.files.items()}
        compiled, problems = compile_bundle(Bundle(files))
        if problems or definition.key not in compiled:
            problems = problems or [Problem(None, definition.key, "process missing from its files")]
            raise DeploymentInvalid(problems)
        process = compiled[definition.key]
        self.put(process)
        return process

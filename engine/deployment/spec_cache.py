"""Parse once: compiled processes cached in memory per version (design.md invariant 3).

A version is a (content hash, process id) pair: one file may hold several processes (one per
pool), and they share the file's hash, so the hash alone does not say which one to run.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from engine.errors import DeploymentInvalid, Problem
from engine.i18n import N_
from engine.models import ProcessDefinition

from .bundle import Bundle
from .compile import CompiledProcess, compile_bundle

CacheKey = tuple[str, str]  # (content hash, process id)


class SpecCache:
    """A bounded, thread-safe map (content_hash, process id) -> CompiledProcess."""

    def __init__(self, max_entries: int = 256) -> None:
        self._entries: OrderedDict[CacheKey, CompiledProcess] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self.misses = 0

    def put(self, compiled: CompiledProcess) -> None:
        """Remember a freshly compiled process."""
        key = (compiled.content_hash, compiled.key)
        with self._lock:
            self._entries[key] = compiled
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def get(self, definition: ProcessDefinition) -> CompiledProcess:
        """The compiled process of `definition`, parsing its stored files on a miss.

        The stored files passed every deploy-time check of their day; they are parsed again
        without those checks, so a rule added later never makes a running version unloadable.
        """
        key = (definition.content_hash, definition.key)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        self.misses += 1
        files = {name: text.encode("utf-8") for name, text in definition.files.items()}
        compiled, problems = compile_bundle(Bundle(files), checked=False)
        if problems or definition.key not in compiled:
            problems = problems or [Problem.said(
                None, definition.key, N_("process missing from its files"))]
            raise DeploymentInvalid(problems)
        process = compiled[definition.key]
        self.put(process)
        return process

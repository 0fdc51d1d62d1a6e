"""Corpus refresh without downtime: build a new versioned index, check it, then switch the alias.

Searches always go through the alias (``esculape`` by default). An ingest creates
``esculape-<YYYYMMDD-HHMMSS>``, writes every passage into it, and checks it: mapping and analysis as
expected, passages per source as written, a BM25 query made of a stored passage's first words finds
passages, and passages carry vectors when they were embedded. Only then is the
alias moved, in one atomic ``_aliases`` request, and only after that succeeds is the previous index
deleted. If anything fails before the switch, the new index is deleted and the alias still points to the
previous one: nothing already indexed is lost, and searches never see a half-built index.

Usage example:

```python
from pipelines.stores.alias import VersionedIndex
from pipelines.stores.opensearch import OpenSearchAdmin

versions = VersionedIndex(OpenSearchAdmin("http://127.0.0.1:9250"), alias="esculape", embedding_dim=512)
name = versions.create()
...  # write passages into `name`
versions.check(name, expected={"bdpm": 17650, "interaction": 3138})
versions.switch(name)
```
"""

import logging
import time
from typing import Any

from pipelines.stores.engine_store import IndexAdmin
from pipelines.stores.errors import IndexCheckError
from pipelines.stores.search_engine import index_body, mapping_problems

logger = logging.getLogger(__name__)

# Words of a stored passage queried back when checking a new index.
PROBE_WORDS = 12


class VersionedIndex:
    """Versioned indexes behind one alias.

    :param admin: index operations on the cluster.
    :param alias: the name searches use.
    :param embedding_dim: dimensions of the passage vectors.
    :param shards: primary shards of each new index.
    :param replicas: replicas of each new index (0 on a single node).
    """

    def __init__(
        self, admin: IndexAdmin, alias: str, embedding_dim: int, shards: int = 1, replicas: int = 0
    ) -> None:
        self.admin = admin
        self.alias = alias
        self.embedding_dim = embedding_dim
        self.shards = shards
        self.replicas = replicas

    def current(self) -> str | None:
        """The index the alias points to now, or ``None`` before the first ingest.

        :raises IndexCheckError: when a concrete index holds the alias's name (it would block the switch).
        """
        if self.admin.exists(self.alias) and not self.admin.is_alias(self.alias):
            raise IndexCheckError(
                f"'{self.alias}' is a concrete index, not an alias, so it cannot be switched to a new "
                "version. Rename or delete it (its passages can be re-ingested), or set ESCULAPE_INDEX to "
                "another name."
            )
        targets = self.admin.alias_targets(self.alias)
        return targets[-1] if targets else None

    def create(self, meta: dict[str, Any] | None = None) -> str:
        """Create a new, empty versioned index with Esculape's body; writes are not refreshed until
        :meth:`check`. Returns its name."""
        name = f"{self.alias}-{time.strftime('%Y%m%d-%H%M%S')}"
        suffix = 1
        while self.admin.exists(name):
            suffix += 1
            name = f"{self.alias}-{time.strftime('%Y%m%d-%H%M%S')}-{suffix}"
        body = index_body(
            self.admin.engine, self.embedding_dim, shards=self.shards, replicas=self.replicas, meta=meta
        )
        body["settings"]["index"]["refresh_interval"] = "-1"
        self.admin.create_index(name, body)
        logger.info("Created index %s", name)
        return name

    def check(self, name: str, expected: dict[str, int], embedded: bool = True) -> dict[str, int]:
        """Refresh the new index and check it before it goes live.

        :param name: the new index.
        :param expected: passages expected per source.
        :param embedded: whether passages carry vectors (then a k-NN query must answer).
        :returns: the passages found per source.
        :raises IndexCheckError: naming each failed check.
        """
        self.admin.set_refresh_interval(name, "1s")
        self.admin.refresh(name)
        problems = mapping_problems(self.admin.mapping(name), self.admin.engine, self.embedding_dim)

        found = self.admin.value_counts(name)
        if found != expected:
            missing = {
                source: (found.get(source, 0), count)
                for source, count in expected.items()
                if found.get(source, 0) != count
            }
            extra = sorted(set(found) - set(expected))
            problems.append(f"passages per source (found, expected) differ: {missing}, unexpected {extra}")

        probe = self._probe_query(name)
        if probe and not self.admin.count(name, {"match": {"content": probe}}):
            problems.append(f"a BM25 query made of a stored passage's words ('{probe}') finds nothing")
        if (
            embedded
            and sum(expected.values())
            and not self.admin.count(name, {"exists": {"field": "embedding"}})
        ):
            problems.append("no passage has an embedding")

        if problems:
            raise IndexCheckError(
                f"The new index '{name}' failed its checks ({'; '.join(problems)}); the alias '{self.alias}' "
                "still points to the previous index."
            )
        return found

    def _probe_query(self, name: str) -> str:
        """The first words of one stored passage: BM25 on the French analysis must find it again."""
        for hit in self.admin.scan(name, {"exists": {"field": "content"}}, source=["content"]):
            return " ".join(str(hit["_source"].get("content") or "").split()[:PROBE_WORDS])
        return ""

    def switch(self, name: str, keep_previous: bool = False) -> str | None:
        """Point the alias at ``name`` in one atomic request, then delete the previous index.

        :param name: the checked new index.
        :param keep_previous: keep the previous index (for a manual rollback) instead of deleting it.
        :returns: the previous index, or ``None``.
        """
        previous = self.current()
        actions: list[dict[str, Any]] = [{"add": {"index": name, "alias": self.alias}}]
        if previous:
            actions.insert(0, {"remove": {"index": previous, "alias": self.alias}})
        self.admin.update_aliases(actions)
        logger.info("Alias %s now points to %s (was %s)", self.alias, name, previous)
        if previous and not keep_previous:
            self.admin.delete_index(previous)
        return previous

    def discard(self, name: str) -> None:
        """Delete a new index that will not go live (the alias was not switched to it)."""
        if name in self.admin.alias_targets(self.alias):
            raise IndexCheckError(f"Refusing to delete '{name}': the alias '{self.alias}' points to it.")
        self.admin.delete_index(name)
        logger.warning("Discarded the unfinished index %s; the alias still points to the previous one", name)

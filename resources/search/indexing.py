"""Writing the index: one object after an editor's change, or everything (search_reindex).

The database index is always written, because it is what search falls back to; Elasticsearch
too when it is configured, after the commit.
"""

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import transaction

from resources.search import database, registry
from resources.search import elasticsearch as es

logger = logging.getLogger(__name__)


def _specific(obj):
    specific = getattr(obj, "specific", None)
    return specific if specific is not None else obj


def _to_elasticsearch(documents=(), removed=()) -> None:
    if not es.configured():
        return
    documents, removed = list(documents), list(removed)

    def send():
        try:
            if documents:
                es.write(documents)
            if removed:
                es.delete(removed)
        except es.Unavailable as error:
            logger.warning("Elasticsearch index not updated (%s); run search_reindex.", error)

    transaction.on_commit(send)


def update_object(obj) -> None:
    """Index `obj` if it belongs in the index now, otherwise take it out."""
    obj = _specific(obj)
    source = registry.source_for(obj)
    if source is None:
        return
    fresh = source.indexable().filter(pk=obj.pk).first()
    if fresh is None:
        remove_object(obj)
        return
    document = source.document(fresh)
    database.write([document])
    _to_elasticsearch(documents=[document])


def remove_object(obj) -> None:
    source = registry.source_for(obj)
    if source is None:
        return
    database.delete(source.key, [obj.pk])
    _to_elasticsearch(removed=[f"{source.key}:{obj.pk}"])


def update_below(page) -> int:
    """A page moved or changed privacy: re-decide it and everything under it, in every source."""
    changed = 0
    for source in registry.page_sources():
        below = source.below(page)
        if below is None:
            continue
        ids = list(below.values_list("pk", flat=True))
        for start in range(0, len(ids), source.batch_size):
            batch = ids[start : start + source.batch_size]
            documents = [source.document(obj) for obj in source.indexable().filter(pk__in=batch)]
            kept = {document.object_id for document in documents}
            gone = [pk for pk in batch if pk not in kept]
            database.delete(source.key, gone)
            database.write(documents)
            _to_elasticsearch(documents, [f"{source.key}:{pk}" for pk in gone])
            changed += len(batch)
    return changed


# --- full rebuilds --------------------------------------------------------------------------------
@dataclass
class RebuildReport:
    backend: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    index: str = ""
    replaced: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def planned() -> dict[str, int]:
    """How many objects each source will index."""
    return {source.key: source.indexable().count() for source in registry.sources()}


def _batches(source) -> Iterator[list]:
    batch = []
    for obj in source.indexable().iterator(chunk_size=source.batch_size):
        batch.append(source.document(obj))
        if len(batch) >= source.batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


Progress = Callable[[str, int], None]


def rebuild_database(progress: Progress | None = None) -> RebuildReport:
    """Replace the database index in one transaction: readers see the old index until commit."""
    started = time.monotonic()
    report = RebuildReport(backend="database")
    with transaction.atomic():
        database.clear()
        for source in registry.sources():
            report.counts[source.key] = 0
            for batch in _batches(source):
                database.write(batch)
                report.counts[source.key] += len(batch)
                if progress:
                    progress(source.key, len(batch))
    database.optimize()
    report.seconds = time.monotonic() - started
    return report


def rebuild_elasticsearch(progress: Progress | None = None) -> RebuildReport:
    """Fill a new index beside the live one, then swap the alias (no downtime)."""
    started = time.monotonic()
    name = es.new_index_name()
    report = RebuildReport(backend="elasticsearch", index=name)
    old = es.current_indices()
    es.create_index(name)
    for source in registry.sources():
        report.counts[source.key] = 0
        for batch in _batches(source):
            es.write(batch, index=name)
            report.counts[source.key] += len(batch)
            if progress:
                progress(source.key, len(batch))
    es.swap_alias(name, old)
    report.replaced = old
    report.seconds = time.monotonic() - started
    return report


def fill_if_empty() -> int:
    """Index everything when the database index is empty but there is something to index."""
    if database.count():
        return 0
    if not any(count for count in planned().values()):
        return 0
    return rebuild_database().total

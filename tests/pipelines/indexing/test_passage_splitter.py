"""The safety-net splitter keeps ids stable and never loses words."""

from haystack import Document

from pipelines.indexing.passage_splitter import OversizePassageSplitter


def test_long_passage_is_split_at_sentences_with_stable_ids():
    sentence = "Le patient doit être surveillé pendant toute la durée du traitement par ce médicament. "
    doc = Document(id="doc:abc:0", content=sentence * 60, meta={"doc_id": "doc:abc:0", "source": "document"})
    parts = OversizePassageSplitter(max_words=100).run(documents=[doc])["documents"]

    assert [part.id for part in parts] == [f"doc:abc:0#{n}" for n in range(1, len(parts) + 1)]
    assert all(len(part.content.split()) <= 100 for part in parts)
    assert sum(len(part.content.split()) for part in parts) == len(doc.content.split())
    assert all(part.content.endswith("médicament.") for part in parts)
    again = OversizePassageSplitter(max_words=100).run(documents=[doc])["documents"]
    assert [part.content for part in again] == [part.content for part in parts]


def test_short_passages_pass_untouched():
    doc = Document(id="x", content="Court passage.", meta={})
    assert OversizePassageSplitter().run(documents=[doc])["documents"] == [doc]

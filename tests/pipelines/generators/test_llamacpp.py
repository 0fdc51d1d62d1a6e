"""The llama.cpp backend on the real SmolLM2-135M: streaming, finish reasons, token counts, time limits
and the French errors for a missing or damaged file."""

import time
from types import SimpleNamespace

import pytest
from haystack.dataclasses import ChatMessage

from pipelines.generators import streaming
from pipelines.generators.base import ErrorKind, GeneratorError
from pipelines.generators.llamacpp import LlamaCppGenerator
from pipelines.generators.streaming import TimeLimits

QUESTION = [
    ChatMessage.from_system("Tu es un assistant pour les professionnels de santé. Réponds en français."),
    ChatMessage.from_user("Quelle est la dose maximale de paracétamol chez l'adulte ?"),
]


def test_streamed_pieces_make_up_the_reply(smollm2_generator):
    chunks = []
    result = smollm2_generator.run(QUESTION, chunks.append, {"max_tokens": 16})
    reply = result["replies"][0]

    assert chunks, "tokens are streamed"
    assert "".join(chunk.content for chunk in chunks) == reply.text
    assert [chunk.start for chunk in chunks] == [True] + [False] * (len(chunks) - 1)
    assert all(chunk.index == 0 for chunk in chunks)
    assert reply.meta["finish_reason"] in ("stop", "length")
    assert reply.meta["model"] == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert reply.meta["usage"]["prompt_tokens"] > smollm2_generator.count_tokens(QUESTION[1].text)
    assert 0 < reply.meta["usage"]["completion_tokens"] <= 16
    assert "error" not in reply.meta


def test_answer_cut_at_max_tokens_says_length(smollm2_generator):
    reply = smollm2_generator.run(
        [ChatMessage.from_user("Décris en détail le traitement de l'hypertension artérielle.")],
        generation_kwargs={"max_new_tokens": 8, "temperature": 0},
    )["replies"][0]

    assert reply.meta["finish_reason"] == "length"
    assert reply.meta["usage"]["completion_tokens"] == 8
    # the reply re-tokenised comes back to about the tokens generated (BPE merges may differ by one or two)
    assert abs(smollm2_generator.count_tokens(reply.text) - 8) <= 2


def test_count_tokens_uses_the_model_tokenizer(smollm2_generator):
    assert smollm2_generator.count_tokens("") == 0
    short = smollm2_generator.count_tokens("paracétamol")
    long = smollm2_generator.count_tokens("paracétamol " * 50)
    assert 1 < short < len("paracétamol")
    assert long >= 50 * short - 50
    assert smollm2_generator.info.context_window == 2048


def test_first_token_later_than_the_limit_raises_timeout(smollm2_generator, monkeypatch):
    monkeypatch.setattr(smollm2_generator, "limits", TimeLimits(total=0.01, stall=0.01))
    with pytest.raises(GeneratorError, match="n'a pas commencé à répondre") as caught:
        smollm2_generator.run(QUESTION, generation_kwargs={"max_tokens": 16})
    assert caught.value.kind == ErrorKind.TIMEOUT


def test_answer_past_the_limit_keeps_its_text_and_is_marked_interrupted(smollm2_generator, monkeypatch):
    # The model is real; only the stream's clock jumps past the total limit once the first piece has
    # arrived, so the test does not depend on how fast this machine is.
    monkeypatch.setattr(smollm2_generator, "limits", TimeLimits(total=60, stall=60))
    skipped = {"seconds": 0.0}
    clock = SimpleNamespace(monotonic=lambda: time.monotonic() + skipped["seconds"])
    monkeypatch.setattr(streaming, "time", clock)
    chunks = []

    def reader(chunk):  # the first piece arrives, then 61 s seem to pass
        chunks.append(chunk)
        skipped["seconds"] = 61.0

    result = smollm2_generator.run(QUESTION, streaming_callback=reader, generation_kwargs={"max_tokens": 32})
    reply = result["replies"][0]

    assert reply.meta["finish_reason"] == "interrupted"
    assert reply.meta["error"] == ErrorKind.TIMEOUT.value
    assert "incomplet" in reply.meta["error_message"]
    assert reply.text == "".join(chunk.content for chunk in chunks)
    assert reply.text, "the partial answer is kept"

    skipped["seconds"] = 0.0
    after = smollm2_generator.run(QUESTION, generation_kwargs={"max_tokens": 4})["replies"][0]
    assert after.meta["finish_reason"] in ("stop", "length"), "the engine serves the next request"


def test_prompt_longer_than_the_window_is_refused_in_french(smollm2_generator):
    too_long = [ChatMessage.from_user("interaction médicamenteuse " * 1500)]
    with pytest.raises(GeneratorError, match="dépassent la fenêtre du modèle") as caught:
        smollm2_generator.run(too_long, generation_kwargs={"max_tokens": 4})
    assert caught.value.kind == ErrorKind.SERVER


def test_missing_model_file_says_how_to_get_one(tmp_path):
    generator = LlamaCppGenerator(tmp_path / "absent.gguf")
    with pytest.raises(GeneratorError, match="make setup") as caught:
        generator.warm_up()
    assert caught.value.kind == ErrorKind.MISSING


def test_truncated_model_file_is_corrupt(smollm2, tmp_path):
    truncated = tmp_path / "tronque.gguf"
    with smollm2.open("rb") as source:
        truncated.write_bytes(source.read(smollm2.stat().st_size // 2))

    with pytest.raises(GeneratorError, match="illisible par llama.cpp") as caught:
        LlamaCppGenerator(truncated).warm_up()
    assert caught.value.kind == ErrorKind.CORRUPT

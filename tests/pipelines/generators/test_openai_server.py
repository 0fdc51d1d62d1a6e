"""The OpenAI-compatible server backend: against a real llama.cpp server serving SmolLM2 on 127.0.0.1,
and against a real local HTTP server that fails on purpose (error answers, a cut stream, silence)."""

import math
import socket

import pytest
from haystack.dataclasses import ChatMessage

from pipelines.generators.base import ErrorKind, GeneratorError
from pipelines.generators.openai_server import CHARS_PER_TOKEN_ESTIMATE, OpenAIServerGenerator
from pipelines.generators.streaming import TimeLimits

QUESTION = [ChatMessage.from_user("Quelle est la dose maximale de paracétamol chez l'adulte ?")]
QUICK = TimeLimits(total=10, stall=1)


def test_real_llama_server_streams_a_reply(llama_server):
    generator = OpenAIServerGenerator(llama_server)
    generator.warm_up()
    chunks = []

    reply = generator.run(QUESTION, streaming_callback=chunks.append, generation_kwargs={"max_tokens": 12})[
        "replies"
    ][0]

    assert generator.info.model == "SmolLM2-135M-Instruct.Q4_1.gguf", "the model name comes from /v1/models"
    assert generator.info.context_window == 2048, "the window comes from the server's /props"
    assert chunks and "".join(chunk.content for chunk in chunks) == reply.text
    assert chunks[0].start and not any(chunk.start for chunk in chunks[1:])
    assert reply.meta["finish_reason"] in ("stop", "length")
    assert 0 < reply.meta["usage"]["completion_tokens"] <= 12
    assert reply.meta["usage"]["prompt_tokens"] > 0


def test_server_token_count_matches_the_in_process_model(llama_server, smollm2_generator):
    generator = OpenAIServerGenerator(llama_server)
    text = "Associer apixaban et clarithromycine augmente le risque hémorragique."
    assert generator.count_tokens(text) == smollm2_generator.count_tokens(text)


def test_server_without_tokenize_gets_a_documented_over_estimate(scripted_server):
    with scripted_server("ok") as server:
        generator = OpenAIServerGenerator(server.url, limits=QUICK)
        text = "Surveiller la kaliémie et la créatininémie au début du traitement."
        assert generator.count_tokens(text) == math.ceil(len(text) / CHARS_PER_TOKEN_ESTIMATE)


def test_complete_stream_from_a_server(scripted_server):
    with scripted_server("ok") as server:
        reply = OpenAIServerGenerator(server.url, limits=QUICK).run(QUESTION)["replies"][0]
    assert reply.text == "Le paracétamol est un antalgique"
    assert reply.meta["finish_reason"] == "stop"
    assert reply.meta["model"] == "scripted"


def test_server_error_is_retried_once_then_reported_in_french(scripted_server):
    with scripted_server("error500") as server:
        generator = OpenAIServerGenerator(server.url, limits=QUICK, attempts=2)
        with pytest.raises(GeneratorError, match="a répondu par une erreur") as caught:
            generator.run(QUESTION)
        assert server.chat_requests() == 2, "one retry before the first token, no more"
    assert caught.value.kind == ErrorKind.SERVER
    assert "CUDA out of memory" in caught.value.detail


def test_unknown_model_is_missing_and_not_retried(scripted_server):
    with scripted_server("model404") as server:
        generator = OpenAIServerGenerator(server.url, model="mistral-inexistant", limits=QUICK)
        with pytest.raises(GeneratorError, match="ne connaît pas le modèle « mistral-inexistant »") as caught:
            generator.run(QUESTION)
        assert server.chat_requests() == 1
    assert caught.value.kind == ErrorKind.MISSING


@pytest.mark.parametrize("behaviour", ["cut", "no_finish"])
def test_stream_that_stops_mid_answer_keeps_the_partial_text(scripted_server, behaviour):
    chunks = []
    with scripted_server(behaviour) as server:
        generator = OpenAIServerGenerator(server.url, limits=QUICK)
        reply = generator.run(QUESTION, streaming_callback=chunks.append)["replies"][0]
        assert server.chat_requests() == 1, "streamed text is never requested again"
    assert reply.text == "Le paracétamol est un antalgique" == "".join(chunk.content for chunk in chunks)
    assert reply.meta["finish_reason"] == "interrupted"
    assert reply.meta["error"] == ErrorKind.INTERRUPTED.value
    assert "incomplet" in reply.meta["error_message"]


def test_silent_server_times_out_after_one_retry(scripted_server):
    with scripted_server("silent", silence=3) as server:
        generator = OpenAIServerGenerator(server.url, limits=QUICK)
        with pytest.raises(GeneratorError, match="n'a pas commencé à répondre") as caught:
            generator.run(QUESTION)
        assert server.chat_requests() == 2
    assert caught.value.kind == ErrorKind.TIMEOUT


def test_server_that_stalls_mid_answer_gives_a_partial_reply(scripted_server):
    with scripted_server("stall", silence=3) as server:
        reply = OpenAIServerGenerator(server.url, limits=QUICK).run(QUESTION)["replies"][0]
    assert reply.text == "Le paracétamol est un antalgique"
    assert reply.meta["finish_reason"] == "interrupted"
    assert reply.meta["error"] == ErrorKind.TIMEOUT.value


def test_unreachable_server_is_reported_in_french():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    generator = OpenAIServerGenerator(f"http://127.0.0.1:{port}/v1", limits=QUICK)
    with pytest.raises(GeneratorError, match="est injoignable") as caught:
        generator.warm_up()
    assert caught.value.kind == ErrorKind.UNREACHABLE

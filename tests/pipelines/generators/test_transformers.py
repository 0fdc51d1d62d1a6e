"""The transformers backend, plumbing only: a tiny Llama with random weights, built here from a config
and a word-level tokenizer, so the test needs no download. Its answers are noise; what is tested is that
the model folder loads, tokens stream, and the reply carries its meta. Skipped when the optional extras
(``make setup-transformers``) are absent."""

import importlib.util

import pytest
from haystack.dataclasses import ChatMessage

from pipelines.generators.base import ErrorKind, GeneratorError
from pipelines.generators.streaming import TimeLimits
from pipelines.generators.transformers_local import TransformersGenerator

INTEGRATION = "haystack_integrations.components.generators.transformers"


def _missing_extras() -> list[str]:
    missing = [name for name in ("torch", "transformers") if importlib.util.find_spec(name) is None]
    try:
        if importlib.util.find_spec(INTEGRATION) is None:
            missing.append("transformers-haystack")
    except ModuleNotFoundError:
        missing.append("transformers-haystack")
    return missing


needs_extras = pytest.mark.skipif(
    bool(_missing_extras()),
    reason=f"transformers extras not installed ({', '.join(_missing_extras())}): make setup-transformers",
)

CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|> {{ message['content'] }} </s> {% endfor %}"
    "{% if add_generation_prompt %}<|assistant|> {% endif %}"
)
SENTENCE = (
    "le paracétamol est un antalgique la dose maximale chez l'adulte est de quatre grammes par jour "
    "surveiller la fonction hépatique en cas de surdosage"
)


def _save_random_tiny_llama(folder) -> None:
    """Write a 2-layer Llama with random weights and a word-level tokenizer with a chat template."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["<unk>", "<s>", "</s>", "<|system|>", "<|user|>", "<|assistant|>"]
    vocabulary = {token: index for index, token in enumerate(dict.fromkeys(specials + SENTENCE.split()))}
    word_level = Tokenizer(models.WordLevel(vocab=vocabulary, unk_token="<unk>"))
    word_level.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=word_level, unk_token="<unk>", bos_token="<s>", eos_token="</s>", pad_token="</s>"
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(folder)

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(vocabulary),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=2,
    )
    LlamaForCausalLM(config).save_pretrained(folder)


@needs_extras
def test_transformers_plumbing_with_random_tiny_model(tmp_path):
    _save_random_tiny_llama(tmp_path)
    limits = TimeLimits(total=120, stall=60)
    generator = TransformersGenerator(str(tmp_path), context_window=4096, limits=limits)
    generator.warm_up()
    chunks = []

    reply = generator.run(
        [ChatMessage.from_user("la dose maximale de paracétamol")],
        streaming_callback=chunks.append,
        generation_kwargs={"max_tokens": 8, "temperature": 0.0},  # as the answer pipeline asks
    )["replies"][0]

    assert generator.info.context_window == 256, "capped by the model's max_position_embeddings"
    assert generator.info.backend == "transformers"
    assert reply.meta["finish_reason"] in ("stop", "length")
    assert 0 < reply.meta["usage"]["completion_tokens"] <= 8
    assert reply.text == "".join(chunk.content for chunk in chunks)
    if chunks:
        assert chunks[0].start and not any(chunk.start for chunk in chunks[1:])
    assert generator.count_tokens("la dose maximale") == 3, "word-level tokenizer: one token per word"


@needs_extras
def test_missing_model_folder_is_reported_in_french(tmp_path):
    with pytest.raises(GeneratorError, match="introuvable") as caught:
        TransformersGenerator(str(tmp_path / "absent")).warm_up()
    assert caught.value.kind == ErrorKind.MISSING


@needs_extras
def test_folder_without_weights_is_reported_in_french(tmp_path):
    _save_random_tiny_llama(tmp_path)
    for weights in tmp_path.glob("*.safetensors"):
        weights.unlink()
    with pytest.raises(GeneratorError) as caught:
        TransformersGenerator(str(tmp_path)).warm_up()
    assert caught.value.kind in (ErrorKind.MISSING, ErrorKind.CORRUPT)
    assert str(tmp_path) in str(caught.value)

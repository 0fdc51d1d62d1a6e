"""``ESCULAPE_LLM`` parsing: each valid form builds its backend, anything else is refused in French with
the list of valid forms."""

import pytest

from esculape.settings import Settings
from pipelines.generators import VALID_SPECS, load_generator
from pipelines.generators.base import ErrorKind, GeneratorError
from pipelines.generators.llamacpp import LlamaCppGenerator
from pipelines.generators.models import QWEN_CODER_05B
from pipelines.generators.openai_server import OpenAIServerGenerator
from pipelines.generators.transformers_local import TransformersGenerator


@pytest.fixture
def settings(tmp_path, monkeypatch):
    for name in ("ESCULAPE_LLM", "ESCULAPE_LLM_CTX", "ESCULAPE_LLM_TIMEOUT", "ESCULAPE_LLM_STALL_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ESCULAPE_DATA_DIR", str(tmp_path))
    return Settings.from_env()


def test_default_is_the_packaged_qwen_assembled_in_the_data_dir(settings, tmp_path):
    generator = load_generator(settings=settings)
    assert isinstance(generator, LlamaCppGenerator)
    assert generator.model_path == tmp_path / "models" / QWEN_CODER_05B.name
    assert generator.info.label() == f"llamacpp · {QWEN_CODER_05B.name}"
    assert generator.info.context_window == 4096


def test_smollm2_and_settings_reach_the_backend(monkeypatch, tmp_path):
    monkeypatch.setenv("ESCULAPE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ESCULAPE_LLM", "llamacpp:smollm2")
    monkeypatch.setenv("ESCULAPE_LLM_CTX", "2048")
    monkeypatch.setenv("ESCULAPE_LLM_TIMEOUT", "45")
    monkeypatch.setenv("ESCULAPE_LLM_STALL_TIMEOUT", "15")

    generator = load_generator()

    assert generator.info.model == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert generator.info.context_window == 2048
    assert (generator.limits.total, generator.limits.stall) == (45.0, 15.0)


def test_gguf_path_must_exist(settings, tmp_path):
    with pytest.raises(GeneratorError, match="introuvable") as caught:
        load_generator(f"llamacpp:{tmp_path / 'absent.gguf'}", settings)
    assert caught.value.kind == ErrorKind.MISSING


def test_openai_url_model_and_key(settings, monkeypatch):
    monkeypatch.setenv("ESCULAPE_LLM_API_KEY", "jeton-secret")
    generator = load_generator("openai:http://gpu.chu.local:8000/v1#mistral-small", settings)
    assert isinstance(generator, OpenAIServerGenerator)
    assert generator.base_url == "http://gpu.chu.local:8000/v1"
    assert generator.model == "mistral-small"
    assert generator._api_key == "jeton-secret"

    without_name = load_generator("openai:http://127.0.0.1:8080/v1", settings)
    assert without_name.model is None, "asked from the server at warm-up"


def test_transformers_model_id_or_folder(settings, tmp_path):
    generator = load_generator(f"transformers:{tmp_path}", settings)
    assert isinstance(generator, TransformersGenerator)
    assert generator.model == str(tmp_path)
    assert load_generator("transformers:mistralai/Mistral-7B-Instruct-v0.3", settings).model == (
        "mistralai/Mistral-7B-Instruct-v0.3"
    )


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("fake", "réservé aux tests"),
        ("gpt4", "moteur « gpt4 » inconnu"),
        ("openai:gpu.chu.local:8000/v1", "doit commencer par http"),
        ("transformers:", "indiquez un modèle"),
    ],
)
def test_invalid_values_list_the_valid_forms(settings, spec, reason):
    with pytest.raises(GeneratorError, match=reason) as caught:
        load_generator(spec, settings)
    assert caught.value.kind == ErrorKind.CONFIG
    assert all(form in str(caught.value) for form in VALID_SPECS)


@pytest.mark.parametrize("value", ["abc", "0", "-5"])
def test_time_limits_must_be_positive_numbers(monkeypatch, value):
    monkeypatch.setenv("ESCULAPE_LLM_TIMEOUT", value)
    with pytest.raises(ValueError, match="ESCULAPE_LLM_TIMEOUT"):
        Settings.from_env()

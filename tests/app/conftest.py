"""The app's fixtures: a small real index (BM25 and USE embeddings of the mini corpus), the environment the
app reads, and a pilot users file."""

from pathlib import Path

import pytest
import streamlit as st

from esculape.settings import Settings
from esculape.workbench.users import add_user
from pipelines.indexing.indexer import Indexer

PILOT_LOGIN = "dupont"
PILOT_PASSWORD = "motdepasse-pilote-42"
# The real small model of the tests: its French is poor, but it streams real tokens through llama.cpp.
TEST_LLM = "llamacpp:smollm2"


@pytest.fixture(scope="session")
def app_data_dir(mini_corpus, tmp_path_factory) -> Path:
    """The mini corpus's drug records, HAS opinions and interaction thesaurus, indexed once."""
    settings = Settings()
    settings.corpus = mini_corpus
    settings.data_dir = tmp_path_factory.mktemp("app-data")
    Indexer(settings, progress_bar=False).run(sources=["bdpm", "interaction", "has_opinion"])
    return settings.data_dir


@pytest.fixture
def app_env(app_data_dir, tmp_path, monkeypatch) -> dict[str, str]:
    """The environment of an open-mode app on the small index with SmolLM2; feedback in ``tmp_path``."""
    environment = {
        "ESCULAPE_DATA_DIR": str(app_data_dir),
        "ESCULAPE_LLM": TEST_LLM,
        "ESCULAPE_STORE": "memory",
        "ESCULAPE_FEEDBACK_DB": str(tmp_path / "feedback.sqlite"),
        "ESCULAPE_AUDIT_DB": str(tmp_path / "audit.sqlite"),
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ESCULAPE_USERS", raising=False)
    monkeypatch.delenv("ESCULAPE_FUSION_WEIGHTS", raising=False)
    return environment


@pytest.fixture(scope="session")
def users_file(tmp_path_factory) -> Path:
    """A pilot users file with one clinician (scrypt hash, written by the users command's code)."""
    path = tmp_path_factory.mktemp("pilot") / "users.toml"
    add_user(path, PILOT_LOGIN, PILOT_PASSWORD, name="Dr Dupont")
    return path


@pytest.fixture(scope="session", autouse=True)
def release_app_resources():
    """The pages run in this process share Streamlit's resource cache (index, model); the model's llama.cpp
    engine is closed at the end, before the interpreter exits."""
    yield
    st.cache_resource.clear()

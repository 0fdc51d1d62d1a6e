"""Text generators behind one setting (``ESCULAPE_LLM``): llama.cpp, an OpenAI-compatible server or
transformers."""

"""Text generators behind one setting (``ESCULAPE_LLM``): llama.cpp, an OpenAI-compatible server or
transformers.

Example:
    >>> from pipelines.generators import load_generator
    >>> generator = load_generator("llamacpp:smollm2")
    >>> generator.warm_up()
    >>> generator.run([ChatMessage.from_user("Bonjour")], streaming_callback=print)["replies"][0].text
"""

from pipelines.generators.base import ErrorKind, GeneratorError, GeneratorInfo
from pipelines.generators.factory import VALID_SPECS, load_generator
from pipelines.generators.streaming import TimeLimits

__all__ = ["VALID_SPECS", "ErrorKind", "GeneratorError", "GeneratorInfo", "TimeLimits", "load_generator"]

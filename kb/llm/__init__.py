"""Talking to an optional OpenAI-compatible LLM server (vLLM, llama.cpp, Ollama, a hosted API)."""

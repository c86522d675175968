"""Backends run a formatted chat request on llama.cpp: in-process, or through a llama-server."""

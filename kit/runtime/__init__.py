"""The runtime: finding, fetching, building and loading llama.cpp models, and the backends that run them."""

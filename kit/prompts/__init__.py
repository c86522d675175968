"""Prompt texts, kept as data so fellows can read and edit them without reading Python."""

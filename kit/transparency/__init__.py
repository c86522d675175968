"""Draft an Algorithmic Transparency Recording Standard (UK) record from what the kit knows about a capability."""

from __future__ import annotations

from kit.transparency.capabilities import CAPABILITIES, find
from kit.transparency.collect import TransparencyFacts, collect
from kit.transparency.write import draft

__all__ = ["CAPABILITIES", "TransparencyFacts", "collect", "draft", "find"]

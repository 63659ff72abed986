"""Composed pipelines: the only module that chains stages (capture -> store -> infer -> compare -> report)."""

from __future__ import annotations

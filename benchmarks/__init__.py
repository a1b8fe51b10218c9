"""Benchmarks: tokenclient against raw httpx (the floor) and the official SDK.

Run ``./scripts/bench``; see ``benchmarks/README.md``.
"""

"""A deterministic demo data set: real regions and real-world facts, illustrative projects.

Entry point: geotrack.site.demo.loader.load_demo (the load_demo management command).
"""
from __future__ import annotations

from geotrack.site.demo.loader import DemoNotEmpty, DemoSummary, load_demo

__all__ = ["DemoNotEmpty", "DemoSummary", "load_demo"]

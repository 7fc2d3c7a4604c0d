"""`pulih replay`: the reporting rebuild lives with reporting (services/reporting/rebuild.py)."""

from services.reporting.rebuild import replay

__all__ = ["replay"]

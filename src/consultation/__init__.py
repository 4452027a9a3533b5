"""consultation: free-text answers of a consultation into coded themes, counts and reports."""

from __future__ import annotations

__version__ = "0.1.0"

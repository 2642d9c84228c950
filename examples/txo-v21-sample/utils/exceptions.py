"""
Exception types shared by the TXO utilities.

HelpfulError is the user-facing error: it always says what went wrong,
how to fix it and, where possible, shows an example.
"""

from typing import Optional


class HelpfulError(Exception):
    """An error with a human-readable explanation and a suggested fix."""

    def __init__(self, what_went_wrong: str, how_to_fix: str,
                 example: Optional[str] = None):
        self.what_went_wrong = what_went_wrong
        self.how_to_fix = how_to_fix
        self.example = example
        super().__init__(what_went_wrong)

    def __str__(self) -> str:
        lines = [
            f"❌ Problem: {self.what_went_wrong}",
            f"✅ Solution: {self.how_to_fix}",
        ]
        if self.example:
            lines.append(f"📝 Example: {self.example}")
        return "\n".join(lines)


class ApiOperationError(Exception):
    """Raised when a REST/OData operation fails after all retries."""

    def __init__(self, message: str, status_code: Optional[int] = None,
                 url: Optional[str] = None):
        self.status_code = status_code
        self.url = url
        super().__init__(message)

    def __str__(self) -> str:
        base = super().__str__()
        if self.status_code is not None:
            base = f"[HTTP {self.status_code}] {base}"
        if self.url:
            base = f"{base} ({self.url})"
        return base


class ApiTimeoutError(ApiOperationError):
    """Raised when a request or async operation exceeds its timeout."""


class RetryableError(ApiOperationError):
    """Raised for transient failures (429, 502, 503, 504)."""

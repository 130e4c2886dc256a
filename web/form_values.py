"""Text fields read from a submitted form: a file sent where text belongs counts as an empty field."""

from __future__ import annotations

from starlette.datastructures import FormData


def form_text(form: FormData, key: str) -> str:
    """The field's text ("" when it is missing or is a file)."""
    value = form.get(key)
    return value if isinstance(value, str) else ""


def form_optional(form: FormData, key: str) -> str | None:
    """The field's text, or None when it is missing, empty or a file."""
    return form_text(form, key) or None

"""Presentation: analysis results in words, tables and charts, in English or Chinese (see the package docstring)."""

__all__: list[str] = []

"""Runnable lessons: python -m demos."""

"""The assistant's own rules as plain functions: clock, opening hours, tours, dates, matching,
formatting, language. Imports nothing of Rasa (tests/test_layout.py), so it is unit-tested
without a model and usable from actions, plug-ins and services alike."""

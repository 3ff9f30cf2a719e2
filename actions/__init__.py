"""Rasa SDK action server: one module per topic; actions stay thin."""

"""Rasa plug-ins, loaded by Rasa from YAML by dotted path, not imported by our code:
NLU components (``config.yml``), slot types (``domain.yml``) and input channels
(``credentials.yml``). They may import ``bot.logic``; renaming a module here means
editing those YAML files and retraining."""

"""Rasa plug-ins, loaded by Rasa from YAML by dotted path, not imported by our code:
NLU components (``config.yml``), slot types (``domain.yml``), input channels
(``credentials.yml``) and the tracker store (``endpoints.yml``). They may import
``bot.logic``; renaming a module here means editing those YAML files and retraining."""

"""SMARTCity Gera assistant, the installed product package.

- ``bot.logic``: the assistant's own rules (clock, hours, tours, dates, matching, wording
  helpers, language); plain Python, imports nothing of Rasa.
- ``bot.kb``: the knowledge base; all SQLAlchemy access.
- ``bot.plugins``: NLU components, slot types and channels that Rasa loads by dotted path
  from ``config.yml``, ``credentials.yml`` and ``domain.yml``.
- ``bot.services``: what runs around Rasa: the web page, the process runner, retention,
  the spaCy pipeline build and the command line (``python -m bot``).

The Rasa SDK actions live in the sibling package ``actions``; development tooling (bench,
NLU evaluation, profiling) in ``tools``, outside the product. docs/architecture.md has the
import rules, which tests/test_layout.py enforces.
"""

from pathlib import Path

#: The checkout (or installed source tree) root: data/, domain.yml, config.yml live here.
ROOT = Path(__file__).resolve().parents[1]
#: The offline German spaCy pipeline (relative to ROOT): built by ``python -m bot spacy build``,
#: used by the NLU plug-in unless config.yml or SPACY_MODEL names another one.
SPACY_PIPELINE = "var/spacy/de_gera"

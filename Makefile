# Two commands for a fresh machine: `make run` and `make test`. Everything else is set-up
# that they do when it is missing or stale.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
STAMP := $(VENV)/.deps-stamp
# German spaCy pipeline: built offline by default; `SPACY_MODEL=de_core_news_sm make run`
# opts into spaCy's packaged model where it is installed.
SPACY_MODEL ?= var/spacy/de_gera
export SPACY_MODEL
RASA_DATA := data/nlu data/dialogue
TRAINING_FILES := config.yml domain.yml $(shell find data/nlu data/dialogue -name '*.yml' 2>/dev/null)
KB_FILES := $(wildcard data/kb/*.yml)
LOOKUPS := data/nlu/generated/kb_lookups.yml
MODEL := models/smartcity.tar.gz

.PHONY: help setup run test lint bench cv train kb lookups clean web

help:
	@echo "make run   - set up what is missing, train if needed, start the assistant"
	@echo "make test  - set up what is missing, run the whole test suite"
	@echo "make bench - benchmarks (writes docs/benchmarks.md)"
	@echo "make cv    - NLU cross-validation report (writes docs/nlu-cross-validation.md)"

$(STAMP): pyproject.toml constraints.txt scripts/setup-venv.sh
	@scripts/setup-venv.sh
	@touch $(STAMP)

# Remembers which spaCy pipeline the model was trained with, so switching retrains.
var/spacy-model.txt: FORCE
	@mkdir -p var
	@[ -f $@ ] && [ "$$(cat $@)" = "$(SPACY_MODEL)" ] || echo "$(SPACY_MODEL)" > $@

var/spacy/de_gera/meta.json: $(STAMP) bot/spacy_pipeline.py
	$(PY) -m bot spacy build var/spacy/de_gera

spacy: $(STAMP) var/spacy-model.txt
ifeq ($(SPACY_MODEL),var/spacy/de_gera)
	@$(MAKE) --no-print-directory var/spacy/de_gera/meta.json
else
	@$(PY) -c "import spacy; spacy.load('$(SPACY_MODEL)')" 2>/dev/null || { \
	  echo "ERROR: spaCy pipeline '$(SPACY_MODEL)' is not installed in $(VENV)."; \
	  echo "Install it (e.g. $(PY) -m pip install de_core_news_sm-3.4.0.tar.gz) or unset SPACY_MODEL."; \
	  exit 1; }
endif

# Loads data/kb into the database when the files changed (the database keeps their hash).
kb: $(STAMP)
	@$(PY) -m bot kb load --if-changed data/kb

# Project names and synonyms for NLU come from the knowledge base, not typed twice.
lookups: $(STAMP)
	@$(PY) -m bot kb lookups $(LOOKUPS)

$(MODEL): $(TRAINING_FILES) $(LOOKUPS) var/spacy-model.txt | spacy
	@echo ">> training the Rasa model (inputs changed or no model yet)"
	@start=$$(date +%s); \
	$(RASA) train --data $(RASA_DATA) --config config.yml --domain domain.yml \
	  --fixed-model-name smartcity --out models && touch $(MODEL) && \
	echo ">> trained in $$(( $$(date +%s) - start ))s"

train: setup $(MODEL)

# Web page assets from npm (socket.io client; axe-core + playwright-core for the browser
# test), re-installed when the lock file changes.
WEB_STAMP := web/node_modules/.npm-ci-stamp
$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $(WEB_STAMP)

web: $(WEB_STAMP)

setup: $(STAMP) spacy kb lookups web

run: setup $(MODEL)
	@scripts/run.sh

test: setup $(MODEL)
	@scripts/test.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check bot actions tests scripts

# NLU 5-fold cross-validation per language -> docs/nlu-cross-validation.md (~10 min).
cv: setup
	$(PY) -m bot.nlu_eval --config config.yml --folds 5

bench: setup $(MODEL)
	$(PY) -m bot.bench

clean:
	rm -rf models var results

FORCE:

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
# The NLU plug-ins' code is part of the model (bot/plugins/nlu_source.py says why).
NLU_CODE := $(wildcard bot/plugins/nlu_*.py bot/logic/*.py)
LOOKUPS := data/nlu/generated/kb_lookups.yml
MODEL := models/smartcity.tar.gz

.PHONY: help setup run test lint bench cv train kb lookups clean web cluster cluster-stop test-cluster matrix-homeserver

help:
	@echo "make run   - set up what is missing, train if needed, start the assistant"
	@echo "make test  - set up what is missing, run the whole test suite"
	@echo "make bench - benchmarks (writes docs/benchmarks.md)"
	@echo "make cv    - NLU cross-validation report (writes docs/nlu-cross-validation.md)"

# Every set-up step below is atomic or repairs itself, so an interrupted `make run` (Ctrl-C,
# a lost terminal) never leaves a state that later runs trust: scripts/setup-venv.sh rebuilds
# a venv it did not finish (marker .venv/.setup-incomplete, or no pip); the spaCy pipeline and
# the model are built elsewhere and renamed into place; npm's stamp is written last. A venv
# that is visibly broken re-runs the set-up even when its stamp looks fresh.
VENV_BROKEN := $(if $(and $(wildcard $(PY)),$(wildcard $(VENV)/lib/python3.10/site-packages/pip/__init__.py)),$(wildcard $(VENV)/.setup-incomplete),broken)
$(STAMP): pyproject.toml constraints.txt scripts/setup-venv.sh $(if $(VENV_BROKEN),FORCE)
	@scripts/setup-venv.sh
	@touch $(STAMP)

# Remembers which spaCy pipeline the model was trained with, so switching retrains.
var/spacy-model.txt: FORCE
	@mkdir -p var
	@[ -f $@ ] && [ "$$(cat $@)" = "$(SPACY_MODEL)" ] || echo "$(SPACY_MODEL)" > $@

# Built into a staging directory and renamed into place (bot/services/spacy_pipeline.py); a
# pipeline without its config is rebuilt.
var/spacy/de_gera/meta.json: $(STAMP) bot/services/spacy_pipeline.py $(if $(wildcard var/spacy/de_gera/config.cfg),,FORCE)
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

# Rasa writes the archive into a private directory; only a finished model is moved to
# $(MODEL) (a rename), so an interrupted training never leaves a half-written model there.
# The model is dated with the training's start, so an input edited during training is newer
# and the next make trains again.
$(MODEL): $(TRAINING_FILES) $(NLU_CODE) $(LOOKUPS) var/spacy-model.txt | spacy
	@echo ">> training the Rasa model (inputs changed or no model yet)"
	@start=$$(date +%s); out=$(dir $(MODEL)).training-$$$$; \
	rm -rf $(dir $(MODEL)).training-*; mkdir -p $$out; \
	$(RASA) train --data $(RASA_DATA) --config config.yml --domain domain.yml \
	  --fixed-model-name smartcity --out $$out && mv -f $$out/smartcity.tar.gz $(MODEL) && \
	touch -d @$$start $(MODEL) && echo ">> trained in $$(( $$(date +%s) - start ))s"; \
	status=$$?; rm -rf $$out; exit $$status

train: setup $(MODEL)

# Web page assets from npm (socket.io client; axe-core + playwright-core for the browser
# test), re-installed when the lock file changes.
# `npm ci` starts by deleting node_modules and the stamp is written last, so an interrupted
# install has no stamp and is redone; a stamp without the installed files is redone too.
WEB_STAMP := web/node_modules/.npm-ci-stamp
WEB_FILES := web/node_modules/socket.io-client/package.json web/node_modules/playwright-core/package.json web/node_modules/axe-core/package.json
$(WEB_STAMP): web/package.json web/package-lock.json $(if $(filter-out $(wildcard $(WEB_FILES)),$(WEB_FILES)),FORCE)
	@rm -f $(WEB_STAMP)
	cd web && npm ci --no-audit --no-fund
	@touch $(WEB_STAMP)

web: $(WEB_STAMP)

setup: $(STAMP) spacy kb lookups web

run: setup $(MODEL)
	@scripts/run.sh

# The Matrix homeserver of the Matrix tests: matrix-synapse in its own venv under var/matrix/
# (scripts/matrix-synapse.sh; installed once, then reused).
matrix-homeserver:
	@scripts/matrix-synapse.sh

test: setup $(MODEL) matrix-homeserver
	@scripts/test.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check bot actions tests scripts

# NLU 5-fold cross-validation per language -> docs/nlu-cross-validation.md (~10 min).
cv: setup
	$(PY) -m tools.nlu_eval --config config.yml --folds 5

bench: setup $(MODEL)
	$(PY) -m tools.bench

# The production topology on loopback (docs/deployment.md): nginx on 8000 in front of 2 Rasa
# replicas (PostgreSQL tracker store, Redis lock store) and 2 action servers, under supervisord.
cluster: setup $(MODEL)
	@scripts/cluster.sh start

cluster-stop:
	@scripts/cluster.sh stop

# Its acceptance tests (tests/test_cluster.py): start the cluster, test, stop it.
test-cluster: setup $(MODEL)
	@scripts/cluster-test.sh

clean:
	rm -rf models var results

FORCE:

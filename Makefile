# The two commands of the README, and the venv they share.
#   make train [STEPS=2000] [DATA=folder] [ARGS=...]   train the seed's DCGAN on MNIST into runs/
#   make test                                          run the test suite (shuffled; the seed is printed)
# MNIST comes with gankit (src/gankit/data/embedded/mnist): DATA only names another copy.
# STEPS=2000 ends in about half an hour on a 2-core CPU; the book trains 40,000 (STEPS=40000).
PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
CONFIG ?= configs/seed_dcgan_mnist.toml
STEPS ?= 2000
TRAIN_ARGS = --train.steps=$(STEPS) $(if $(DATA),--data.dir=$(DATA)) $(ARGS)

.PHONY: train test setup clean
train: $(VENV)/.installed
	$(VENV)/bin/gankit train --config $(CONFIG) $(TRAIN_ARGS)

test: $(VENV)/.installed-test
	$(VENV)/bin/python -m pytest

setup: $(VENV)/.installed

# gankit and what it needs to train; the tests' extras (pytest, Jupyter's kernel, ...) separately
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q "$(TORCH)"
	$(VENV)/bin/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(VENV)/bin/python -m pip install -q -e ".[test]"
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

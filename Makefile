# The two commands of the README, and the venv they share.
#   make train [STEPS=2000] [DATA=path/to/mnist]   train the seed's DCGAN on MNIST into runs/
#   make test                                      run the test suite
PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
CONFIG ?= configs/seed_dcgan_mnist.toml
TRAIN_ARGS = $(if $(STEPS),--train.steps=$(STEPS)) $(if $(DATA),--data.dir=$(DATA)) $(ARGS)

.PHONY: train test setup clean
train: $(VENV)/.installed
	$(VENV)/bin/gankit train --config $(CONFIG) $(TRAIN_ARGS)

test: $(VENV)/.installed
	$(VENV)/bin/python -m pytest -q

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q "$(TORCH)"
	$(VENV)/bin/python -m pip install -q -e ".[test]"
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

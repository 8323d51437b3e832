# Two commands do everything on a fresh machine:  make figures   and   make test
# (see README.md). Both create/reuse the virtual environment .venv and install the project.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PROFILE ?= default
NB     ?= 01

# Offline mirror (see ../shared/README.md): used when present, never required.
ifneq ($(wildcard ../shared/data),)
export SFUTILS_MIRROR ?= $(abspath ../shared/data)
endif

STAMP := $(VENV)/.installed

.PHONY: install test figures notebook bench clean-results

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	printf 'setuptools<81\n' > $(VENV)/build-constraints.txt  # adv-lib's visdom builds only with it
	$(BIN)/python -m pip install -q --build-constraint $(VENV)/build-constraints.txt -e '.[notebooks,dev,imagenet,compare]'
	$(BIN)/python -m pip install -q --no-deps torchattacks==3.5.1  # its pinned requests clashes with jupyterlab
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $@

install: $(STAMP)

test: install
	$(BIN)/python -m pytest

figures: install
	$(BIN)/python -m sfutils.runner --profile $(PROFILE)

notebook: install
	$(BIN)/python -m sfutils.runner --profile $(PROFILE) --only $(NB)

bench: install
	$(BIN)/python benchmarks/bench_sparsefool.py

clean-results:
	rm -rf data/results

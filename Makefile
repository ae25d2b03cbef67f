# The two commands a newcomer needs: `make run` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
SYSTEM := alsa-utils chromium espeak-ng ffmpeg redis-server wrk

.PHONY: install system-deps run test lint bench

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	@echo "Installing g4f and its dependencies into $(VENV). On the first install pip compiles llama-cpp-python"
	@echo "(the embedded model's engine) from source: about 5 minutes on 2 cores, silently. Later installs take seconds."
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[all,dev]"
	rm -f $(VENV)/.installed-*; touch $@

# Debian packages the tests drive for real (browser, speech, codecs, Redis, load generator, spoken samples).
system-deps:
	@missing=""; for p in $(SYSTEM); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(SYSTEM) >/dev/null; \
	fi

run: install
	$(VENV)/bin/g4f api --gui

test: install system-deps
	cd tests/api/node && npm ci --no-audit --no-fund --silent  # the official openai Node package for the API tests
	$(PY) -m ruff check src tests bench
	$(PY) -m ruff format --check src tests bench
	$(PY) -m mypy
	$(PY) -m pytest -q

lint: install
	$(PY) -m ruff check src tests bench
	$(PY) -m ruff format --check src tests bench
	$(PY) -m mypy

bench: install system-deps
	$(PY) bench/run.py

# The two commands a newcomer needs: `make run` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8080
STAMP := $(VENV)/.installed

.PHONY: run test check fmt bench-smoke eval upgrade-deps clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	@echo
	@echo "splice-relay on http://127.0.0.1:$(PORT) (simulated providers, memory log). In another shell:"
	@echo "  curl -N -X POST http://127.0.0.1:$(PORT)/v1/streams -H 'Accept: text/event-stream' -H 'Content-Type: application/json' -d '{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about streaming relays\"}]}'"
	@echo
	$(BIN)/splice-relay serve --host 127.0.0.1 --port $(PORT)

test: check
	$(BIN)/python -m pytest -q --durations=25

# What CI checks before the tests: the format, the lint, the types (configured in pyproject.toml).
check: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

# Format and apply ruff's safe fixes in place.
fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

eval: $(STAMP)
	$(BIN)/python -m splice.eval

bench-smoke: $(STAMP)
	$(BIN)/python -m loadtest --smoke

# Every dependency at its newest release, written to constraints.txt (header kept); `make test` next.
upgrade-deps:
	rm -rf .venv-resolve
	$(PYTHON) -m venv .venv-resolve
	.venv-resolve/bin/python -m pip install --quiet --upgrade pip
	.venv-resolve/bin/python -m pip install --quiet -e '.[dev]'
	{ grep '^#' constraints.txt | grep -v '^# Resolved'; \
	  .venv-resolve/bin/python -c "import datetime, platform; print(f'# Resolved for CPython {platform.python_version()} on {platform.system()} {platform.machine()} on {datetime.date.today()}.')"; \
	  .venv-resolve/bin/python -m pip freeze --exclude-editable | grep -vi '^splice-relay'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf .venv-resolve
	@echo "constraints.txt re-resolved: git diff constraints.txt, then make test"

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis

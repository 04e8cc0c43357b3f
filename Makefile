# The two commands of the README: `make demo` and `make test`. Both set up
# everything first (virtual environment, Python packages, Debian packages).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR := data/demo
REPORTS := reports

.PHONY: setup system-deps demo test clean-demo

setup: system-deps $(STAMP)

system-deps:
	@bash scripts/system-deps.sh

# Re-install only when the requirements or the project metadata change.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "安装 Python 依赖到 $(VENV) …"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt 2>&1 | grep -v "is ignored" || true
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e . 2>&1 | grep -v "is ignored" || true
	@$(BIN)/python -c "import analysis, pandas, papermill, weasyprint, python_calamine" \
		|| { echo "Python 依赖安装失败，请查看上面的 pip 输出" >&2; exit 1; }
	@touch $@

demo: setup
	@$(BIN)/python -m analysis targets summary
	@$(BIN)/python -m analysis targets check --format table | tail -n 1
	@$(BIN)/python -m analysis notebook 00-targets --out $(REPORTS)/catalog

test: setup
	@$(BIN)/python -m pytest -q

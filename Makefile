# The two commands of the README: `make demo` and `make test`. Both set up
# everything first (virtual environment, Python packages, Debian packages).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR := data/demo
REPORTS := reports

.PHONY: setup system-deps demo test clean-demo lint fix serve

setup: system-deps $(STAMP)

system-deps:
	@bash scripts/system-deps.sh

# Re-install only when the requirements or the project metadata change.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "安装 Python 依赖到 $(VENV) …"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt 2>&1 | grep -v "is ignored" || true
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e . 2>&1 | grep -v "is ignored" || true
	@$(BIN)/python -c "import analysis, pandas, papermill, weasyprint, python_calamine, sqlalchemy, psycopg" \
		|| { echo "Python 依赖安装失败，请查看上面的 pip 输出" >&2; exit 1; }
	@touch $@

STORE := data/store
DEMO_MARK := $(STORE)/.demo

# Run a command with its output in a log and show the log's last $(2) lines; the command's own exit status is kept
# (a pipe into tail would hide a failure).
logged = > $(1); status=$$?; tail -n $(2) $(1); exit $$status

demo: setup
	@$(BIN)/python -m analysis targets summary
	@mkdir -p $(REPORTS) && $(BIN)/python -m analysis targets check --format table $(call logged,$(REPORTS)/targets-check.log,1)
	@$(BIN)/python -m analysis notebook 00-targets --out $(REPORTS)/catalog
	@# the demo owns data/store only if it made it: never delete a store of real submissions
	@if [ -d $(STORE) ] && [ ! -f $(DEMO_MARK) ] && [ -n "$$(ls -A $(STORE) 2>/dev/null)" ]; then \
		echo "data/store 中已有非演示数据，make demo 不会覆盖它；请改用 WORKBOOK_STORE 指定其他目录后再试。" >&2; exit 1; fi
	@rm -rf $(DEMO_DIR) $(STORE)
	@$(BIN)/python -m analysis demo --out $(DEMO_DIR)
	@mkdir -p $(STORE) && touch $(DEMO_MARK)
	@echo "导入演示报送（明细见 $(REPORTS)/ingest-demo.log）…"
	@mkdir -p $(REPORTS) && $(BIN)/python -m analysis ingest $(DEMO_DIR) --store $(STORE) --received-on mtime \
		$(call logged,$(REPORTS)/ingest-demo.log,1)
	@$(BIN)/python -m analysis render monthly --period latest --region 石家庄市 --region 西宁市 --store $(STORE)
	@$(BIN)/python -m analysis render quarterly --period latest --region 石家庄市 --region 西宁市 --store $(STORE)
	@echo "生成已到期方案的终期评估（各方案实施地区，及石家庄市下达分解目标的各县区）…"
	@$(BIN)/python -m analysis batch --kind final --plan all --store $(STORE) --no-progress \
		$(call logged,$(REPORTS)/batch-final.log,2)

# The checks CI runs before the tests; each fails the build on any finding (configuration: pyproject.toml).
lint: setup
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy

# Apply what the linter and the formatter can fix by themselves.
fix: setup
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

test: setup lint
	@$(BIN)/python -m pytest -q

# The 报送平台 on the demo store (made by `make demo` when absent), with demo accounts and their fresh passwords.
serve: setup
	@if [ ! -f $(STORE)/workbook.sqlite ]; then $(MAKE) --no-print-directory demo; fi
	@$(BIN)/python -m analysis serve --store $(STORE) --demo-accounts

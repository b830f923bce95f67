# The two commands: `make run` (everything embedded) and `make test` (real services, every tier).
SHELL := /bin/bash
# Node 24 comes from the `node` dev dependency; every target runs on it.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

STAMP := node_modules/.install-stamp

.PHONY: run install console services services-stop typecheck lint format test test-unit test-int test-e2e test-repeat bench bench-peers migrate policy

run: install console
	node gateways/cli/aiaas.ts dev

install: $(STAMP)

# The web console (docs/console.md), built again only when one of its files changed.
CONSOLE_SOURCES := $(shell find gateways/console -type f)
console: build/console/index.html

build/console/index.html: $(STAMP) $(CONSOLE_SOURCES)
	vite build --config gateways/console/vite.config.ts

# npm itself runs on the Node 24 the lock file pins (fetched by npx), not on the machine's older
# Node: no EBADENGINE warnings for packages that ask for a newer Node (README.md).
NODE_LOCKED = $(shell node -p "require('./package-lock.json').packages['node_modules/node'].version")

$(STAMP): package.json package-lock.json
	npx --yes -p node@$(NODE_LOCKED) -- npm ci --no-audit --no-fund
	@touch $@

services:
	bash infra/services/services.sh start

services-stop:
	bash infra/services/services.sh stop

typecheck: install
	tsc --noEmit -p .
	tsc --noEmit -p gateways/console

lint: install
	biome check .

format: install
	biome check --write .

test-unit: install
	vitest run --project unit

test-int: install
	vitest run --project int

test-e2e: install
	vitest run --project e2e

# Every tier runs even when an earlier one fails; a line per tier and `N passed, N failed` last
# (infra/ci/tiers.ts). Services that do not start stop it before any tier.
test: install services console
	node infra/ci/tiers.ts

# The int and e2e tiers N times in a row, then failures per test (infra/ci/repeat.ts);
# FILES=tests/infra/lmdb narrows it to some test files.
N ?= 5
test-repeat: install services
	node infra/ci/repeat.ts $(N) $(FILES)

bench: install services
	node tests/bench/run.ts

# The router against the mock called directly, a bare proxy, Portkey and LiteLLM in one run (issue
# 12; docs/benchmarks.md). Installs wrk, vegeta and the peers into build/peers/ first (idempotent).
# BENCH_SECONDS (4) per scenario, BENCH_ROUNDS (2) alternating rounds.
bench-peers: install services
	bash infra/bench/install-peers.sh
	node tests/bench/peers/run.ts

migrate: install
	node gateways/cli/aiaas.ts migrate

# Recompiles domain/authorization/policy.rego into the kept policy.wasm (needs the OPA CLI that
# `make services` installs); `make run` only loads the kept file (docs/adr/0014).
policy: install services
	node infra/opa/compile-policy.ts

# Entry points of the Hexabase control plane. `make help` lists them.
#
#   make run                         the whole suite on this machine (scripts/dev-run.sh)
#   make test [TEST_ARGS=...]        proto check, swift test against real Postgres + NATS, C interop
#   make bench [BENCH_ARGS=...]      benchmarks against a throwaway Postgres + NATS
#   make proto                       regenerate Shared/Contracts/Generated/ from proto/

SHELL := /bin/bash
.DEFAULT_GOAL := help

CONFIG ?= debug
TEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: help run test bench proto proto-check build clean clean-data

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

run: ## build (release) and run Postgres, NATS, every service and the edge until Ctrl-C
	@scripts/dev-run.sh

test: ## proto check, swift test against a throwaway Postgres + NATS, C client interop
	@TEST_ARGS="$(TEST_ARGS)" scripts/test.sh

bench: ## build (release) and run the benchmarks against a throwaway Postgres + NATS
	@BENCH_ARGS="$(BENCH_ARGS)" scripts/bench.sh

proto: ## regenerate the Swift code of proto/ into Shared/Contracts/Generated/
	@scripts/proto.sh

proto-check: ## fail when Shared/Contracts/Generated/ does not match proto/
	@scripts/proto.sh --check

build: ## swift build (CONFIG=debug|release)
	swift build $(SWIFT_BUILD_FLAGS) -c $(CONFIG)

clean: ## remove build products (.build, .tools, C builds); keeps .run data
	rm -rf .build .tools examples/c-client/build Benchmarks/c-echo/build

clean-data: ## remove the local Postgres/NATS data and logs of `make run` (.run)
	rm -rf .run

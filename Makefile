# toasted — build, run and test. `make help` lists the targets.
SHELL := /bin/bash
DOTNET ?= dotnet
CONFIG ?= Release
OUT := out
BIN := bin
SHARED ?= $(abspath ../shared)
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: help build daemon client run test test-isa bench clean

help:
	@echo "make build     build everything; leaves bin/toasted and bin/toast"
	@echo "make client    NativeAOT-publish toast into bin/toast (instant start)"
	@echo "make run       build, start toasted in the background, pipe a sample file through toast"
	@echo "make test      run every test, ending with 'N passed, N failed, N skipped'"
	@echo "make test-isa  run the SIMD kernel tests once per instruction-set switch"
	@echo "make bench     run the benchmarks (see docs/benchmarks.md)"
	@echo "make clean     remove build output"

build: daemon
	$(DOTNET) build Toasted.sln -c $(CONFIG) --nologo -v q
	$(DOTNET) publish client/Toasted.Client -c $(CONFIG) --nologo -v q -p:PublishAot=false -o $(OUT)/toast
	@mkdir -p $(BIN)
	@[ -x $(BIN)/toast ] && [ "$$(readlink $(BIN)/toast)" = "../$(OUT)/toast-aot/toast" ] || ln -sfn ../$(OUT)/toast/toast $(BIN)/toast

daemon:
	$(DOTNET) publish daemon/Toasted.Daemon -c $(CONFIG) --nologo -v q -o $(OUT)/toasted
	@mkdir -p $(BIN) && ln -sfn ../$(OUT)/toasted/toasted $(BIN)/toasted

client:
	$(DOTNET) publish client/Toasted.Client -c $(CONFIG) --nologo -v q -o $(OUT)/toast-aot
	@mkdir -p $(BIN) && ln -sfn ../$(OUT)/toast-aot/toast $(BIN)/toast

test: build client
	CONFIG=$(CONFIG) tests/run-tests.sh

test-isa: build
	@for isa in "" DOTNET_EnableAVX512F=0 DOTNET_EnableAVXVNNI=0 DOTNET_EnableAVX2=0 DOTNET_EnableHWIntrinsic=0; do \
	  echo "== kernels with $${isa:-all instruction sets}"; \
	  env $$isa CONFIG=$(CONFIG) tests/run-tests.sh --filter "Category=Kernels" || exit 1; \
	done

bench: build
	$(DOTNET) run --project tests/Toasted.Benchmarks -c $(CONFIG)

clean:
	rm -rf $(OUT) $(BIN)
	find . -name bin -o -name obj | grep -E '/(bin|obj)$$' | xargs rm -rf

# toasted — build, run and test. `make help` lists the targets.
SHELL := /bin/bash
DOTNET ?= dotnet
CONFIG ?= Release
OUT := out
BIN := bin
SHARED ?= $(abspath ../shared)
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: help build daemon client run stop test test-isa bench bench-compare bench-compare-moe clean

help:
	@echo "make build     build everything; leaves bin/toasted and bin/toast"
	@echo "make client    NativeAOT-publish toast into bin/toast (instant start)"
	@echo "make run       build, start toasted in the background, pipe a sample file through toast"
	@echo "make stop      stop the toasted that make run started"
	@echo "make test      run every test, ending with 'N passed, N failed, N skipped'"
	@echo "make test-isa  run the SIMD kernel tests once per instruction-set switch"
	@echo "make bench     prefill and decode speed on a TinyLlama-shaped model (docs/benchmarks.md)"
	@echo "make bench-compare   the same beside llama.cpp's llama-bench, with ratios"
	@echo "make bench-compare-moe   the same on a Qwen3-30B-A3B-shaped mixture of experts, scaled to fit"
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

# make run: the model is $TOASTED_MODEL, else a GGUF in the Hugging Face cache or the Ollama store,
# else the kit's tiny test model. The daemon keeps running (log in out/run/toasted.log); make stop ends it.
RUN_DIR := $(OUT)/run
FALLBACK_MODEL ?= $(SHARED)/corpus/real/stories260K.gguf

run: build client
	@$(MAKE) --no-print-directory stop >/dev/null
	@mkdir -p $(RUN_DIR)
	@model=$$($(BIN)/toasted find-model "$(FALLBACK_MODEL)" 2>$(RUN_DIR)/find-model.txt) || { \
	  echo "no model found: set TOASTED_MODEL=/path/to/model.gguf (or put the test kit at $(SHARED))"; exit 1; }; \
	sed 's/^toasted: found/model:/' $(RUN_DIR)/find-model.txt; \
	$(BIN)/toasted --model "$$model" >$(RUN_DIR)/toasted.log 2>&1 & echo $$! >$(RUN_DIR)/toasted.pid; \
	pid=$$(cat $(RUN_DIR)/toasted.pid); \
	for i in $$(seq 1 600); do \
	  grep -v "admin socket" $(RUN_DIR)/toasted.log | grep -q "listening on" && break; \
	  kill -0 $$pid 2>/dev/null || { echo "toasted failed to start:"; cat $(RUN_DIR)/toasted.log; rm -f $(RUN_DIR)/toasted.pid; exit 1; }; \
	  sleep 0.1; \
	done; \
	grep -v "admin socket" $(RUN_DIR)/toasted.log | grep -q "listening on" || { echo "toasted did not start within 60 s; log: $(RUN_DIR)/toasted.log"; exit 1; }; \
	socket=$$(sed -n '/admin socket/!s/.*listening on //p' $(RUN_DIR)/toasted.log | head -n1); \
	echo "toasted is running (pid $$pid) on $$model"; \
	echo "  socket $$socket, log $(RUN_DIR)/toasted.log; stop it with: make stop"; \
	if [ "$$model" = "$$(realpath $(FALLBACK_MODEL) 2>/dev/null)" ]; then \
	  echo "  (this is the kit's 260K-parameter story model; for a real one: TOASTED_MODEL=/path/to/model.gguf make run)"; fi; \
	echo; echo "\$$ cat docs/sample.txt | bin/toast --raw -t 0 -n 64"; \
	TOASTED_SOCKET=$$socket $(BIN)/toast --raw -t 0 -n 64 <docs/sample.txt; echo; \
	if [ "$$model" != "$$(realpath $(FALLBACK_MODEL) 2>/dev/null)" ]; then \
	  echo; echo "\$$ bin/toast \"In one sentence, what is this text about?\" docs/sample.txt"; \
	  TOASTED_SOCKET=$$socket $(BIN)/toast -n 128 "In one sentence, what is this text about?" docs/sample.txt; echo; fi

stop:
	@if [ -f $(RUN_DIR)/toasted.pid ]; then \
	  pid=$$(cat $(RUN_DIR)/toasted.pid); \
	  if kill -TERM $$pid 2>/dev/null; then \
	    for i in $$(seq 1 100); do kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; \
	    echo "stopped toasted (pid $$pid)"; \
	  fi; \
	  rm -f $(RUN_DIR)/toasted.pid; \
	else echo "no toasted started by make run"; fi

test: build client
	CONFIG=$(CONFIG) tests/run-tests.sh

test-isa: build
	@# AVX-512 off alone leaves 256-bit VNNI; with AVX-VNNI off too the plain AVX2 forms run. GFNI goes off with
	@# AVX-VNNI, so both widths also run their shift-and-mask forms, and BMI2 with them (the bit-deposit scale
	@# unpacking then takes its scalar form), and AVX-512 VBMI (DOTNET_EnableAVX512v2, which holds it in .NET 10), so the
	@# IQ4_XS level lookups take vpshufb at 512 bits. (.NET 10 reads
	@# DOTNET_EnableAVX512, not the older DOTNET_EnableAVX512F, which no longer switches anything off.)
	@for isa in "" DOTNET_EnableAVX512=0 "DOTNET_EnableAVXVNNI=0 DOTNET_EnableGFNI=0 DOTNET_EnableBMI2=0 DOTNET_EnableAVX512v2=0" "DOTNET_EnableAVX512=0 DOTNET_EnableAVXVNNI=0 DOTNET_EnableGFNI=0" DOTNET_EnableAVX2=0 DOTNET_EnableHWIntrinsic=0; do \
	  echo "== kernels with $${isa:-all instruction sets}"; \
	  env $$isa CONFIG=$(CONFIG) tests/run-tests.sh --filter "Category=Kernels" || exit 1; \
	done

BENCH_MODELS := $(OUT)/bench-models
BENCH_TOOL := $(DOTNET) tests/Toasted.Benchmarks/bin/$(CONFIG)/net10.0/Toasted.Benchmarks.dll
BENCH_THREADS ?= 2
BENCH_REPS ?= 2
# Rounds per test, the engines' order mirrored each round (toasted, llama.cpp; llama.cpp, toasted; …).
BENCH_ROUNDS ?= 2
PEER_DIR ?= $(HOME)/.cache/toasted-peer

$(BENCH_MODELS)/tinyllama-1.1b-%.gguf:
	@mkdir -p $(BENCH_MODELS)
	$(BENCH_TOOL) synth tinyllama-1.1b $* $@

$(BENCH_MODELS)/qwen3-30b-a3b-scaled-%.gguf:
	@mkdir -p $(BENCH_MODELS)
	$(BENCH_TOOL) synth qwen3-30b-a3b-scaled $* $@

bench: build $(BENCH_MODELS)/tinyllama-1.1b-Q4_0.gguf
	$(BIN)/toasted bench -m $(BENCH_MODELS)/tinyllama-1.1b-Q4_0.gguf -p 512 -n 128 -r 3 -t $(BENCH_THREADS)
	$(BENCH_TOOL) bandwidth -t $(BENCH_THREADS)

bench-compare: build $(addprefix $(BENCH_MODELS)/tinyllama-1.1b-,Q4_0.gguf Q8_0.gguf Q4_K_M.gguf)
	@[ -x $(PEER_DIR)/bin/llama-bench ] || { echo "llama.cpp peer not found in $(PEER_DIR): run ../shared/bench/build-llamacpp-peer.sh once (about 15 minutes)"; exit 1; }
	$(BENCH_TOOL) compare $(BIN)/toasted $(PEER_DIR)/bin/llama-bench -t $(BENCH_THREADS) -r $(BENCH_REPS) -a $(BENCH_ROUNDS) \
	  $(addprefix $(BENCH_MODELS)/tinyllama-1.1b-,Q4_0.gguf Q8_0.gguf Q4_K_M.gguf)

bench-compare-moe: build $(addprefix $(BENCH_MODELS)/qwen3-30b-a3b-scaled-,Q4_0.gguf Q4_K_M.gguf)
	@[ -x $(PEER_DIR)/bin/llama-bench ] || { echo "llama.cpp peer not found in $(PEER_DIR): run ../shared/bench/build-llamacpp-peer.sh once (about 15 minutes)"; exit 1; }
	$(BENCH_TOOL) compare $(BIN)/toasted $(PEER_DIR)/bin/llama-bench -t $(BENCH_THREADS) -r $(BENCH_REPS) -a $(BENCH_ROUNDS) \
	  $(addprefix $(BENCH_MODELS)/qwen3-30b-a3b-scaled-,Q4_0.gguf Q4_K_M.gguf)

clean:
	rm -rf $(OUT) $(BIN)
	find . -name bin -o -name obj | grep -E '/(bin|obj)$$' | xargs rm -rf

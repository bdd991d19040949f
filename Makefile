# RoboBridge. Two commands do everything on a fresh machine:
#   make demo   set up, build, and run the main job
#   make test   set up, build, and run every test
SHELL := /bin/bash
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
LLAMA_LIB := $(ROOT)/.deps/llama/lib
export PKG_CONFIG_PATH := $(ROOT)/.deps/llama/lib/pkgconfig:$(PKG_CONFIG_PATH)
export PYTHONPATH := $(ROOT)/.deps/python:$(PYTHONPATH)
# libllama lives in .deps/llama/lib: bake its path into every binary (no LD_LIBRARY_PATH needed).
SWIFT_LINK := -Xlinker -rpath -Xlinker $(LLAMA_LIB)
BIN := $(ROOT)/.build/release/robobridge

.PHONY: setup build build-debug demo test bench fuzz soak clean

setup:
	@bash scripts/bootstrap

build: setup
	swift build -c release $(SWIFT_LINK)

demo: build
	@echo "== rover (robots/rover.yaml, simulator/worlds/apartment.yaml), default model smollm2-135m-fast =="
	@printf '%s\n' '{"instruction": "go to the kitchen"}' '{"instruction": "put the blue mug on the coffee table"}' '{"instruction": "turn left ninety degrees"}' \
	  '{"instruction": "drive forward 20 cm"}' '{"instruction": "set the speed to half a meter per second"}' \
	  '{"instruction": "STOP!"}' '{"instruction": "what is the weather in Paris?"}' > .build/demo-rover.jsonl
	$(BIN) translate --robot robots/rover.yaml --input .build/demo-rover.jsonl --format text
	@echo "== drone (robots/drone.yaml, simulator/worlds/farm.yaml) =="
	@printf '%s\n' '{"instruction": "take off to ten meters"}' '{"instruction": "fly to the tower and take a photo of the tank"}' \
	  '{"instruction": "hover for half a minute"}' '{"instruction": "return to base"}' > .build/demo-drone.jsonl
	$(BIN) translate --robot robots/drone.yaml --input .build/demo-drone.jsonl --format text
	@echo "(JSON, the contract other tools read: drop --format text)"
	@echo "== the onboard node: robobridge serve (rover), then robobridge send: actions stream out as they become final =="
	@EP="--command tcp://127.0.0.1:5655 --publish tcp://127.0.0.1:5656 --translate tcp://127.0.0.1:5657"; \
	  $(BIN) serve --robot robots/rover.yaml $$EP 2> .build/demo-serve.log & SERVE=$$!; \
	  $(BIN) send --robot robots/rover.yaml $$EP --timeout 120 "bring the apple to the coffee table"; \
	  $(BIN) send --robot robots/rover.yaml $$EP "what is the weather in Paris?"; \
	  $(BIN) send --robot robots/rover.yaml $$EP --estop; \
	  kill -INT $$SERVE; wait $$SERVE; echo "(serve's log: .build/demo-serve.log)"
	@echo "== a mission in the bundled simulator: the bridge and the simulated rover in one process, every step checked =="
	$(BIN) mission missions/rover_fetch_mug.yaml --report reports/rover_fetch_mug
	@echo "(open the map above in a browser; every mission: for m in missions/*.yaml; do $(BIN) mission $$m; done)"

# Tests run optimized: the constrained-decoding property tests decode tens of thousands of plans.
# Separate runs: the model-heavy suites (engine, decoding) keep Swift's cooperative threads busy for
# minutes, which would starve the bridge nodes of the messaging suites (heartbeats, acks on time) if
# they shared the process. The serve suites run one test at a time: several of them drive the real model in processes of
# their own (serve, sim, mission, tune), and two at once would make each miss its deadlines.
test: setup
	swift build -c release --build-tests $(SWIFT_LINK)
	swift test -c release --skip-build --filter RoboBridgeMessagingTests
	swift test -c release --skip-build --no-parallel --filter RoboBridgeServeTests
	swift test -c release --skip-build --filter RoboBridgeMissionTests
	swift test -c release --skip-build --skip RoboBridgeMessagingTests --skip RoboBridgeServeTests --skip RoboBridgeMissionTests

# Every parser that reads outside input, 60 s each under a mutation fuzzer (crashes go to fuzz/crashes/).
fuzz: build
	$(BIN) fuzz --seconds 60

# Not in CI: serve as a process for 30 minutes, 20,000 commands and sensor floods; every command answered, memory flat.
soak: build
	$(BIN) bench soak --commands 20000 --minutes 30

bench: build
	$(BIN) bench engine --model smollm2-135m-fast
	$(BIN) bench engine --model smollm2-135m
	$(BIN) bench engine --model gemma3-270m
	$(BIN) bench zmq
	$(BIN) bench translate --models smollm2-135m-fast,smollm2-135m,gemma3-270m
	$(BIN) bench mask

clean:
	rm -rf .build

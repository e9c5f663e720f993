# drvsim's two set-up commands on a fresh Debian machine:
#
#   make run    installs what is missing, builds, runs the demo scenarios
#   make test   the same, then every test, ending with "N passed, N failed"
#
# The build itself is meson's (meson.build); this file only installs the
# Debian packages and names the everyday commands.

BUILD ?= build
MESON_OPTIONS ?=
DRVSIM := ./$(BUILD)/drvsim

# What the build and the tests need, as Debian package names.
PACKAGES := gcc pkgconf meson ninja-build python3 git \
            liblua5.4-dev libxxhash-dev libjansson-dev libcriterion-dev \
            python3-jsonschema python3-yaml libxml2-utils lua-check man-db

.PHONY: all deps build run test twins golden bench fuzz clean

all: build

# Installs missing packages with apt-get when root, or through $(SUDO) when
# given (`make test SUDO=sudo`: a CI runner that is not root); otherwise
# prints the exact command to run and stops.
SUDO ?=

deps:
	@missing=""; \
	for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" \
	    || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] || [ -n "$(SUDO)" ]; then \
	    as=; [ "$$(id -u)" = 0 ] || as="$(SUDO)"; \
	    echo "drvsim: installing$$missing"; \
	    $$as apt-get update -qq && \
	    $$as env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      $$missing >/dev/null || exit 1; \
	  else \
	    echo "drvsim: missing Debian packages:$$missing"; \
	    echo "  run: sudo apt-get install$$missing (or: make $(or $(MAKECMDGOALS),all) SUDO=sudo)"; \
	    exit 1; \
	  fi; \
	fi

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD) $(MESON_OPTIONS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# The demo: each scenario's outcome, as a driver developer would see it.
run: build
	@for f in scenarios/demo/*.lua; do \
	  echo "== drvsim run $$f"; \
	  $(DRVSIM) run "$$f"; \
	  echo; \
	done

test: build
	@meson test -C $(BUILD) --print-errorlogs --no-rebuild; status=$$?; \
	python3 tools/test_summary.py $(BUILD)/meson-logs/testlog.json || status=1; \
	exit $$status

# Every clean twin swept over seeds 1..$(SEEDS) (make test does 1..8): the
# false positives a user's sweep would meet.
SEEDS ?= 200
twins: build
	@python3 tools/check_twins.py $(DRVSIM) --seeds $(SEEDS) --jobs $$(nproc)

# Rewrites tests/golden/digests.txt from the current build: only when a
# change to the trace is intended, and say why in the commit.
golden: build
	@python3 tools/golden.py write $(DRVSIM)
	@echo "tests/golden/digests.txt rewritten: review the diff"

# The special pool bench compares with Electric Fence: make bench installs
# it, make test does not need it.
bench: PACKAGES += electric-fence
bench: build
	@sh bench/run.sh $(DRVSIM)

# The libFuzzer harnesses of fuzz/ (README "Fuzzing"): clang, with address
# and undefined behaviour sanitizers, in their own build directory; each
# harness runs FUZZ_SECONDS, one at a time, at low priority.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 180
FUZZ_HARNESSES ?= verifier gflags cli scenario

fuzz: PACKAGES += clang libclang-rt-dev
fuzz: deps
	@[ -f $(FUZZ_BUILD)/build.ninja ] || CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true \
	    -Dtests=disabled -Dwerror=false -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(FUZZ_BUILD) $(patsubst %,fuzz/fuzz_%,$(FUZZ_HARNESSES))
	@sh fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)

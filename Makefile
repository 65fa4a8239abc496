# oomkb build. `make` builds build/debug/oomkb; `make run` serves the KB on 127.0.0.1:8080;
# `make test` builds and runs every test. Missing Debian packages are installed by
# scripts/deps.sh and the tree-sitter Python grammar is fetched by grammars/fetch.sh, both on
# first use. MODE=asan builds with sanitizers into build/asan.

MODE ?= debug
BUILD := build/$(MODE)
CC ?= cc
PKGS := libcmark sqlite3 tree-sitter zlib jansson libmicrohttpd
TEST_PKGS := check

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
        -Wno-overlength-strings
ifeq ($(MODE),asan)
  OPT := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
  LDOPT := -fsanitize=address,undefined
else
  OPT := -O2 -g
  # Not position-independent: 4,500 fewer relocations for the loader at every start.
  LDOPT := -no-pie
endif
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) -MMD -MP -I. -Igrammars/tree-sitter-python/src
PROJECT_CFLAGS := $(BASE_CFLAGS) $(WARN) -Werror
# The one place the version is written; `oomkb --version` and SARIF read it through -D.
VERSION := $(shell cat VERSION)
PREFIX ?= /usr/local
DESTDIR ?=
# The fetched grammar is generated code: compile it with its own relaxed flags.
GRAMMAR_CFLAGS := -std=c11 $(OPT) -w -Igrammars/tree-sitter-python/src

# Package flags are resolved once, after scripts/deps.sh has installed what is missing.
# The libraries are linked statically (Debian's -dev packages ship the .a files): loading and
# relocating four shared libraries cost a one-shot `oomkb search` about 1 ms, as much as grep
# takes in all. libmicrohttpd is not linked at all: the server dlopens it (server/mhd.c).
CONFIG := $(BUILD)/config.mk
# No libm either: the libm functions SQLite refers to are linked to forwarders that load libm
# on first use (common/lazymath.h), which a one-shot search never does; loading libm at start
# cost each process about 90 us.
MATH_FNS := acos acosh asin asinh atan atanh cos cosh exp log sin sinh sqrt tan tanh trunc \
            atan2 fmod pow
LAZY_MATH := $(foreach f,$(MATH_FNS),-Wl,--defsym=$(f)=lazymath_$(f))
LINK_LIBS = $(DEP_LIBS) $(LAZY_MATH)
ifeq ($(filter clean distclean format help,$(MAKECMDGOALS)),)
-include $(CONFIG)
endif

GRAMMAR_DIR := grammars/tree-sitter-python
GRAMMAR_SRC := $(GRAMMAR_DIR)/src/parser.c $(GRAMMAR_DIR)/src/scanner.c
GRAMMAR_OBJ := $(BUILD)/grammar/parser.o $(BUILD)/grammar/scanner.o
# The TOML grammar of the configuration files (linter/config.c), fetched the same way.
TOML_DIR := grammars/tree-sitter-toml
TOML_SRC := $(TOML_DIR)/src/parser.c $(TOML_DIR)/src/scanner.c
TOML_OBJ := $(BUILD)/grammar/toml/parser.o $(BUILD)/grammar/toml/scanner.o

COMMON_SRC := $(wildcard common/*.c)
KB_SRC := $(filter-out kb/embedded.c,$(wildcard kb/*.c))
LINT_SRC := $(wildcard linter/*.c linter/rules/*.c)
DOCTOR_SRC := $(wildcard doctor/*.c)
SERVER_SRC := $(wildcard server/*.c)
LSP_SRC := $(wildcard lsp/*.c)
CLI_SRC := $(wildcard cli/*.c)
TEST_SRC := $(wildcard tests/unit/*.c tests/support/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
CORE_OBJ := $(call obj,$(COMMON_SRC) $(KB_SRC))
EMBED_OBJ := $(BUILD)/obj/kb/embedded.o $(BUILD)/obj/kb/blob.o $(BUILD)/obj/web/assets.o
LIB_OBJ := $(CORE_OBJ) $(call obj,$(LINT_SRC) $(DOCTOR_SRC) $(SERVER_SRC) $(LSP_SRC)) $(GRAMMAR_OBJ) \
           $(TOML_OBJ) $(EMBED_OBJ)
CLI_OBJ := $(call obj,$(CLI_SRC))
TEST_OBJ := $(call obj,$(TEST_SRC))

OOMKB := $(BUILD)/oomkb
KBC := $(BUILD)/oomkb-kbc
KB_BLOB := $(BUILD)/kb.sqlite
KB_DOCS := kb/oom-memory.md kb/gotchas-memory.md kb/gpu0-memory.md kb/synonyms.tsv kb/links.tsv
WEB_FILES := $(sort $(wildcard web/*.html web/*.css web/*.js web/*.svg))
TEST_BIN := $(BUILD)/unit-tests

.PHONY: all run test asan bench fuzz clean distclean help lint format
all: $(OOMKB)

help:
	@echo "make            build $(OOMKB)"
	@echo "make run        serve the built-in KB on http://127.0.0.1:8080"
	@echo "make test       build and run every test"
	@echo "make asan       the tests under AddressSanitizer and UBSan"
	@echo "make bench      benchmarks against their peers (see bench/)"
	@echo "make eval-realworld  precision/recall of the linter on judged real repositories (needs mirrors)"
	@echo "make eval-wholerepo  lint ten repositories whole; precision on a judged sample (needs mirrors)"
	@echo "make lint       clang-format, clang-tidy and cppcheck over the C sources"
	@echo "make format     format the C sources (.clang-format)"
	@echo "make fuzz       the libFuzzer harnesses, FUZZ_SECONDS each (clang)"
	@echo "make load-test  the server under load and faults (loopback, about 2 min)"
	@echo "make load-stress  the load suite 5x with a CPU hog and 5x without (about 25 min)"

# Rewritten only when its text changes (every object depends on it), so a Makefile edit that
# leaves the flags alone rebuilds nothing.
$(CONFIG): scripts/deps.sh Makefile
	@scripts/deps.sh build
	@mkdir -p $(@D)
	@{ echo "DEP_CFLAGS := $$(pkg-config --cflags $(PKGS))"; \
	   echo "DEP_LIBS := -Wl,-Bstatic $$(pkg-config --libs $(filter-out libmicrohttpd,$(PKGS))) -Wl,-Bdynamic -ldl -lpthread"; \
	   echo "TEST_CFLAGS := $$(pkg-config --cflags $(TEST_PKGS))"; \
	   echo "TEST_LIBS := $$(pkg-config --libs $(TEST_PKGS))"; } >$@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

$(GRAMMAR_SRC) &: grammars/python.lock grammars/fetch.sh
	@grammars/fetch.sh
	@touch $(GRAMMAR_SRC)

$(BUILD)/grammar/%.o: $(GRAMMAR_DIR)/src/%.c
	@mkdir -p $(@D)
	$(CC) $(GRAMMAR_CFLAGS) -c $< -o $@

$(TOML_SRC) &: grammars/toml.lock grammars/fetch.sh
	@grammars/fetch.sh grammars/toml.lock
	@touch $(TOML_SRC)

$(BUILD)/grammar/toml/%.o: $(TOML_DIR)/src/%.c
	@mkdir -p $(@D)
	$(CC) $(GRAMMAR_CFLAGS) -I$(TOML_DIR)/src -c $< -o $@

$(BUILD)/obj/%.o: %.c $(CONFIG) | $(GRAMMAR_SRC) $(TOML_SRC)
	@mkdir -p $(@D)
	$(CC) $(PROJECT_CFLAGS) $(DEP_CFLAGS) -c $< -o $@

$(BUILD)/obj/tests/%.o: tests/%.c $(CONFIG) $(BUILD)/suites.h | $(GRAMMAR_SRC) $(TOML_SRC)
	@mkdir -p $(@D)
	$(CC) $(PROJECT_CFLAGS) $(DEP_CFLAGS) $(TEST_CFLAGS) -I$(BUILD) -DOOMKB_BIN='"$(OOMKB)"' \
	    -DOOMKB_MODE='"$(MODE)"' -c $< -o $@

# One SUITE(name) line per tests/unit/test_NAME.c.
$(BUILD)/suites.h: $(filter tests/unit/test_%.c,$(TEST_SRC))
	@mkdir -p $(@D)
	@for f in $(patsubst tests/unit/test_%.c,%,$^); do echo "SUITE($$f)"; done >$@

# The KB compiler used during the build: the kb module without the embedded image.
$(KBC): $(BUILD)/obj/kb/kbc_main.o $(CORE_OBJ)
	$(CC) $(LDOPT) $^ $(LINK_LIBS) -o $@

$(BUILD)/obj/kb/kbc_main.o: kb/tools/kbc_main.c $(CONFIG)
	@mkdir -p $(@D)
	$(CC) $(PROJECT_CFLAGS) $(DEP_CFLAGS) -c $< -o $@

$(KB_BLOB): $(KBC) $(KB_DOCS)
	$(KBC) -o $@ $(KB_DOCS)

$(BUILD)/obj/kb/blob.o: kb/blob.S $(KB_BLOB)
	@mkdir -p $(@D)
	$(CC) -DKB_BLOB_PATH='"$(KB_BLOB)"' -c $< -o $@

$(BUILD)/web.bundle: $(WEB_FILES) scripts/bundle.sh
	@mkdir -p $(@D)
	scripts/bundle.sh $@ $(WEB_FILES)

$(BUILD)/obj/web/assets.o: web/assets.S $(BUILD)/web.bundle
	@mkdir -p $(@D)
	$(CC) -DWEB_BUNDLE_PATH='"$(BUILD)/web.bundle"' -c $< -o $@

$(CLI_OBJ): VERSION
$(CLI_OBJ): PROJECT_CFLAGS += -DOOMKB_VERSION='"$(VERSION)"'

$(OOMKB): $(CLI_OBJ) $(LIB_OBJ)
	$(CC) $(LDOPT) $^ $(LINK_LIBS) -o $@

$(TEST_BIN): $(TEST_OBJ) $(LIB_OBJ)
	$(CC) $(LDOPT) $^ $(LINK_LIBS) $(TEST_LIBS) -o $@

# `make install PREFIX=~/.local` (default /usr/local; DESTDIR for staging): the binary only,
# since the KB and the web UI are built into it.
.PHONY: install uninstall
install: $(OOMKB)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(OOMKB) $(DESTDIR)$(PREFIX)/bin/oomkb

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/oomkb

run: $(OOMKB)
	$(OOMKB) serve --bind 127.0.0.1 --port 8080

test: $(OOMKB) $(TEST_BIN)
	@scripts/deps.sh test
	$(TEST_BIN)
	@$(MAKE) --no-print-directory fuzz-replay

asan:
	$(MAKE) MODE=asan test

bench: $(OOMKB)
	bench/run.sh $(OOMKB)

# `oomkb lint` scored on judged real-world repositories (bench/realworld/README.md). Not in CI
# or `make test`: both need git mirrors of the repositories ($$MIRRORS, default /work/.mirror).
.PHONY: eval-realworld eval-wholerepo
eval-realworld: $(OOMKB)
	bench/realworld/run.sh corpus $(OOMKB)

eval-wholerepo: $(OOMKB)
	bench/realworld/run.sh wholerepo $(OOMKB)

# Static checks (scripts/lint.sh): clang-format, clang-tidy (.clang-tidy), cppcheck; CI runs it.
lint: | $(GRAMMAR_SRC)
	scripts/lint.sh -std=c11 -D_GNU_SOURCE -I. -I$(GRAMMAR_DIR)/src $(DEP_CFLAGS)

# Formats every C file of the project with .clang-format (clang-format 14).
format:
	@sh -c '. scripts/need.sh && need clang-format-14'
	clang-format-14 -i $$(git ls-files '*.c' '*.h' | grep -v '^grammars/')

clean:
	rm -rf build

distclean: clean
	rm -rf $(GRAMMAR_DIR) $(TOML_DIR)

-include $(shell find build/$(MODE)/obj -name '*.d' 2>/dev/null)

# --- server ---
# The web UI in headless Chromium (Debian) driven by playwright-core (npm); installs both when
# missing and writes screenshots to build/browser/.
.PHONY: browser-test
browser-test: $(OOMKB)
	tests/browser/run.sh $(OOMKB)

# --- integrations ---
# Real clients: Neovim's and Emacs Eglot's LSP clients attached to `oomkb lsp`, and Debian's pre-commit running
# the oomkb-lint hook from this repository's committed HEAD. Each installs what it needs.
.PHONY: integration-test
integration-test: $(OOMKB)
	OOMKB_BIN=$(OOMKB) tests/integration/nvim-lsp.sh
	OOMKB_BIN=$(OOMKB) tests/integration/eglot-lsp.sh
	tests/integration/pre-commit.sh

# --- fuzz ---
# libFuzzer harnesses, one per parser (tests/fuzz/fuzz_<target>.c). `make fuzz FUZZ_SECONDS=N`
# builds them with clang (MODE=fuzz: every object instrumented, ASan+UBSan) into build/fuzz/ and
# runs each for N seconds, one after another, on its committed corpus and dictionary; new inputs
# go to build/fuzz/corpus/<target>/ and crashers to build/fuzz/artifacts/. `make test` replays
# every committed corpus file through a plain-main build of each harness (replay_main.c), so a
# regression fails without clang. Minimise a grown corpus into the committed one with
#   build/fuzz/fuzz_T -merge=1 tests/fuzz/corpus/T.new tests/fuzz/corpus/T build/fuzz/corpus/T
FUZZ_TARGETS := kb_compile kb_search lint lsp server doctor config
FUZZ_SECONDS ?= 60
FUZZ_REPLAY := $(patsubst %,$(BUILD)/fuzz-replay/replay_%,$(FUZZ_TARGETS))
FUZZ_BINS := $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_TARGETS))

ifeq ($(MODE),fuzz)
  # Recipes expand flags when they run, so redefining them here applies to every rule above.
  FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
  OPT := -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -fno-omit-frame-pointer
  LDOPT := $(FUZZ_SAN)
  BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) -MMD -MP -I. -Igrammars/tree-sitter-python/src
  PROJECT_CFLAGS := $(BASE_CFLAGS) $(WARN) -Werror
  GRAMMAR_CFLAGS := -std=c11 $(OPT) -w -Igrammars/tree-sitter-python/src
endif

.PHONY: fuzz fuzz-build fuzz-replay
fuzz:
	@command -v clang-14 >/dev/null 2>&1 && dpkg -s libclang-rt-14-dev >/dev/null 2>&1 || \
	    { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	        clang-14 libclang-rt-14-dev >&2; } || \
	    { echo "oomkb: make fuzz needs: sudo apt-get install -y clang-14 libclang-rt-14-dev" >&2; exit 2; }
	$(MAKE) MODE=fuzz CC=clang-14 fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	    mkdir -p build/fuzz/corpus/$$t build/fuzz/artifacts; \
	    echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	    build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	        -dict=tests/fuzz/$$t.dict -artifact_prefix=build/fuzz/artifacts/$$t- \
	        -print_final_stats=1 build/fuzz/corpus/$$t tests/fuzz/corpus/$$t; \
	done

fuzz-build: $(FUZZ_BINS)

# Keep the harness objects: make would delete them as intermediates and rebuild every time.
.PRECIOUS: $(BUILD)/obj/tests/fuzz/%.o

build/fuzz/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(LIB_OBJ)
	$(CC) $(LDOPT) -fsanitize=fuzzer $^ $(LINK_LIBS) -o $@

$(BUILD)/fuzz-replay/replay_%: $(BUILD)/obj/tests/fuzz/replay_main.o $(BUILD)/obj/tests/fuzz/fuzz_%.o $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDOPT) $^ $(LINK_LIBS) -o $@

fuzz-replay: $(FUZZ_REPLAY)
	@set -e; for t in $(FUZZ_TARGETS); do \
	    $(BUILD)/fuzz-replay/replay_$$t tests/fuzz/corpus/$$t; \
	done

# --- load ---
# The server under load and faults on a loopback port (tests/load/): a 60 s wrk soak at 256
# connections, 900 slow clients, 10,000 hostile request bundles, kill -9 and restart. Installs
# wrk from Debian when missing; about 2.5 minutes; figures in build/load/figures.txt.
.PHONY: load-test load-stress
load-test: $(OOMKB)
	tests/load/run.sh $(OOMKB)

# The load suite 5 times with a CPU hog on one core, then 5 times quiet; all must pass (not in
# CI: about 30 minutes). Figures in build/load/stress/summary.txt.
load-stress: $(OOMKB)
	tests/load/stress.sh $(OOMKB)

# --- abuse ---
# The linter and `oomkb lsp` under huge, endless and malformed input (tests/abuse/run.sh; the
# fast cases are in the check suite tests/unit/test_abuse.c). About a minute; writes to /tmp.
.PHONY: abuse-test
abuse-test: $(OOMKB)
	tests/abuse/run.sh $(OOMKB)

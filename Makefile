# tern — one Makefile for the server, its tests and its fuzzers.
#
#   make            build build/tern (gcc by default; CC=clang works too)
#   make run        install missing run packages, build, start the demo server
#   make test       install missing test packages, build, run unit + integration tests
#   make test-san   the same tests against an ASan+UBSan build (build-san/)
#   make fuzz       libFuzzer harnesses (clang) in build-fuzz/
#   make install    build/tern into $(DESTDIR)$(PREFIX)/bin (PREFIX=/usr/local)
#
# ./run.sh and ./test.sh do `make run` and `make test` on a machine that
# has no make yet (scripts/install-deps.sh needs only sh and apt).

CC      ?= cc
SAN     ?= 0
PKGS    := libuv openssl sqlite3 libsodium libunbound zlib libutf8proc libpsl libh2o libidn2 jansson

ifeq ($(SAN),1)
BUILD   ?= build-san
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
           -fno-sanitize-recover=undefined
LDSAN   := -fsanitize=address,undefined
else
BUILD   ?= build
OPT     := -O2 -g -D_FORTIFY_SOURCE=2
LDSAN   :=
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || \
                echo -luv -lssl -lcrypto -lsqlite3 -lsodium -lunbound -lz -lutf8proc -lpsl -lh2o -lidn2 -ljansson)

WARN    := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter -Wformat=2 -Wvla
HARDEN  := -fstack-protector-strong -fPIE -fno-strict-overflow
CFLAGS  := -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) -Isrc $(PKG_CFLAGS) \
           $(EXTRA_CFLAGS)
LDFLAGS := -pie -Wl,-z,relro,-z,now $(LDSAN) $(EXTRA_LDFLAGS)
LIBS    := $(PKG_LIBS) -lwslay -lpthread -lm

MODULES := lib mime store auth dns mailauth sieve deliver submit relay milter smtp imap pop3 managesieve jmap http
LIB_SRC := $(foreach m,$(MODULES),$(wildcard src/$(m)/*.c))
CLI_SRC := $(wildcard src/cli/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c tests/unit/*/*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/webmail-assets.o
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CFLAGS  += -DTERN_VERSION='"$(VERSION)"'

.PHONY: all run test test-unit test-integration test-san deps deps-test deps-dev \
	fuzz clean bench install

all: $(BUILD)/tern $(BUILD)/unit-tests $(BUILD)/spf-suite

$(BUILD)/libtern.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/tern: $(CLI_OBJ) $(BUILD)/libtern.a
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libtern.a $(LIBS)

$(BUILD)/unit-tests: $(UNIT_OBJ) $(BUILD)/libtern.a
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(BUILD)/libtern.a $(LIBS)

# the RFC 7208 suite's driver (tests/integration/test_spf_suite.py)
$(BUILD)/spf-suite: $(BUILD)/tests/drivers/spf-suite.o $(BUILD)/libtern.a
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(BUILD)/libtern.a $(LIBS)

# V=1 shows the full command lines
Q := $(if $(filter 1,$(V)),,@)

# the webmail's files (webmail/), embedded in the binary by a small C
# generator built with the host compiler and zlib (no python at build time); the
# folders are prerequisites too, so an added or removed file rebuilds
WEBMAIL_FILES := $(shell find webmail -type f ! -name '.*' 2>/dev/null | LC_ALL=C sort)
WEBMAIL_DIRS := $(shell find webmail -type d 2>/dev/null)

$(BUILD)/webmail-embed: scripts/webmail-embed.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) -std=c11 -O2 $(WARN) -o $@ $< -lz

$(BUILD)/gen/webmail-assets.c: $(BUILD)/webmail-embed $(WEBMAIL_FILES) $(WEBMAIL_DIRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  EMBED   webmail/ ($(words $(WEBMAIL_FILES)) files)")
	$(Q)$(BUILD)/webmail-embed $@ webmail/ $(WEBMAIL_FILES)

$(BUILD)/gen/webmail-assets.o: $(BUILD)/gen/webmail-assets.c
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(UNIT_OBJ): CFLAGS += -Itests/unit

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(BUILD)/tests/drivers/spf-suite.d

# run installs only what building and running need; the test tools (and
# the daemons some of them bring) come with test, clang etc. with dev
deps:
	@scripts/install-deps.sh run

deps-test:
	@scripts/install-deps.sh test

deps-dev:
	@scripts/install-deps.sh dev

run: deps
	@$(MAKE) --no-print-directory $(BUILD)/tern
	@scripts/run-demo.sh $(BUILD)/tern

test-unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

# two tests at a time (pytest-xdist: each starts its own servers on
# random free ports), then the files of conftest.py's SERIAL_FILES alone
PYTEST := TERN_BIN=$(abspath $(BUILD)/tern) /usr/bin/python3 -m pytest \
	-q -rs -p no:cacheprovider --durations=10
test-integration: $(BUILD)/tern $(BUILD)/spf-suite
	$(PYTEST) -n 2 -m "not serial" tests/integration
	$(PYTEST) -m serial tests/integration

test: deps-test
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory test-unit
	@$(MAKE) --no-print-directory test-integration

test-san: deps-test
	@$(MAKE) --no-print-directory SAN=1 all
	@$(MAKE) --no-print-directory SAN=1 test-unit
	@$(MAKE) --no-print-directory SAN=1 test-integration

FUZZ_SRC := $(wildcard tests/fuzz/fuzz-*.c)
fuzz:
	@$(MAKE) --no-print-directory CC=clang BUILD=build-fuzz \
	    EXTRA_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -O1 -U_FORTIFY_SOURCE" \
	    build-fuzz/libtern.a
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	    echo "fuzzer $$n"; \
	    clang -std=c11 -D_GNU_SOURCE -g -O1 -Isrc $(PKG_CFLAGS) \
	      -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o build-fuzz/$$n $$f \
	      build-fuzz/libtern.a $(LIBS) || exit 1; done

# PREFIX and DESTDIR as usual: make install DESTDIR=/tmp/stage PREFIX=/usr
PREFIX  ?= /usr/local
install: $(BUILD)/tern
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/doc/tern
	install -m 755 $(BUILD)/tern $(DESTDIR)$(PREFIX)/bin/tern
	install -m 644 README.md $(DESTDIR)$(PREFIX)/share/doc/tern/README.md

bench: $(BUILD)/tern
	@echo "see bench/README.md"

clean:
	rm -rf build build-san build-fuzz

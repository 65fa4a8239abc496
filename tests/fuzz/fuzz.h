/* The libFuzzer entry point every tests/fuzz/fuzz_<target>.c defines. Built two ways: with
 * clang -fsanitize=fuzzer for `make fuzz`, and with the normal compiler and replay_main.c so
 * that `make test` replays the committed corpus without clang.
 * Harnesses abort() when an oracle fails (invalid JSON out, a 5xx), so both builds catch it. */
#ifndef OOMKB_FUZZ_H
#define OOMKB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Runs one input. Returns 0 (libFuzzer reserves other values). Keeps no state that changes
 * what a later input does, beyond read-only handles opened on first use. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads every byte of s (NULL allowed) so that ASan checks the string; the volatile store
 * keeps the compiler from dropping the read. */
static inline void fuzz_touch(const char *s)
{
    volatile size_t sink = s ? strlen(s) : 0;
    (void)sink;
}

#endif

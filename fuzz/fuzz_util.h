/*
 * fuzz_util.h - what the libFuzzer harnesses share: the input as a C string,
 * and a check that aborts (a finding) with a message.
 */
#ifndef DRVSIM_FUZZ_UTIL_H
#define DRVSIM_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The bytes as a NUL-terminated string, cut at the first NUL (the parsers
 * take C strings, as the command line and Lua hand them). */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL) {
        abort();
    }
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* An error message: NUL-terminated within its buffer, one line, not empty. */
static inline void fuzz_check_message(const char *err, size_t size)
{
    size_t n = strnlen(err, size);
    FUZZ_CHECK(n < size);
    FUZZ_CHECK(n > 0);
    FUZZ_CHECK(memchr(err, '\n', n) == NULL);
}

#endif /* DRVSIM_FUZZ_UTIL_H */

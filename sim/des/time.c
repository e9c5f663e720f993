/*
 * time.c - durations as scenarios write them, and times as bug check
 * reports print them. Simulated time is a uint64_t count of 100 ns units.
 */
#include "des/check.h"
#include "des/des.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Same always-on check as des.c (kept local: each file owns its helpers). */

#define DES_100NS_PER_HOUR (60ull * DES_100NS_PER_MIN)

typedef struct des_time_unit {
    const char *suffix;
    uint64_t per_unit_100ns; /* 100 ns units in one unit; 0 for "ns", which divides */
} des_time_unit;

/* Suffixes are matched whole and case-sensitively: "MS" is not "ms". */
static const des_time_unit des_time_units[] = {
    {"ns", 0},
    {"us", DES_100NS_PER_US},
    {"ms", DES_100NS_PER_MS},
    {"s", DES_100NS_PER_SEC},
    {"min", DES_100NS_PER_MIN},
    {"h", DES_100NS_PER_HOUR},
};

bool des_parse_duration(const char *text, uint64_t *out_100ns)
{
    DES_CHECK(out_100ns != NULL);
    if (text == NULL) {
        return false;
    }

    /* Digits only: no sign, no spaces, no hex, so "-1" cannot wrap around. */
    const char *p = text;
    uint64_t value = 0;
    while (*p >= '0' && *p <= '9') {
        if (__builtin_mul_overflow(value, 10u, &value) ||
            __builtin_add_overflow(value, (uint64_t)(*p - '0'), &value)) {
            return false;
        }
        p++;
    }
    if (p == text) {
        return false;
    }

    if (*p == '\0') {
        *out_100ns = value; /* a bare integer is already in 100 ns units */
        return true;
    }
    for (size_t i = 0; i < sizeof(des_time_units) / sizeof(des_time_units[0]); i++) {
        const des_time_unit *unit = &des_time_units[i];
        if (strcmp(p, unit->suffix) != 0) {
            continue;
        }
        uint64_t result_100ns;
        if (unit->per_unit_100ns == 0) {
            /* The clock cannot represent a finer time; refuse rather than round. */
            if (value % 100 != 0) {
                return false;
            }
            result_100ns = value / 100;
        } else if (__builtin_mul_overflow(value, unit->per_unit_100ns, &result_100ns)) {
            return false;
        }
        *out_100ns = result_100ns;
        return true;
    }
    return false;
}

char *des_format_time(uint64_t t_100ns, char *buf, size_t len)
{
    DES_CHECK(buf != NULL);
    DES_CHECK(len > 0);
    const uint64_t hours = t_100ns / DES_100NS_PER_HOUR;
    const unsigned minutes = (unsigned)(t_100ns / DES_100NS_PER_MIN % 60);
    const unsigned seconds = (unsigned)(t_100ns / DES_100NS_PER_SEC % 60);
    const unsigned millis = (unsigned)(t_100ns / DES_100NS_PER_MS % 1000);
    /* snprintf cuts a short buffer and still terminates it. */
    snprintf(buf, len, "%" PRIu64 ":%02u:%02u.%03u", hours, minutes, seconds, millis);
    return buf;
}

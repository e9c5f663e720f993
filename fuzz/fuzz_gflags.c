/*
 * fuzz_gflags.c - libFuzzer harness for the GFlags special pool parser
 * (sim/vf/gflags.c): vf_gflags_parse on any text, then the match the pool
 * makes for every allocation. Checks: no crash, no leak, an error is a
 * one-line message, a parsed setting is one of the kinds, `*` matches all.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_util.h"
#include "vf/vf_settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstring(data, size);
    char err[512];
    vf_gflags g;
    vf_gflags_init(&g);
    err[0] = '\0';
    if (!vf_gflags_parse(&g, text, err, sizeof err)) {
        fuzz_check_message(err, sizeof err);
        free(text);
        return 0;
    }
    FUZZ_CHECK((unsigned)g.spp <= (unsigned)VF_SPP_ALL);
    FUZZ_CHECK(memchr(g.spp_tag, '\0', sizeof g.spp_tag) != NULL);
    static const uint32_t tags[] = {0, 0x64657246u /* "Fred" */, 0x30u, 0x2Au, 0xFFFFFFFFu};
    static const uint64_t sizes[] = {0, 1, 16, 32, 4079, 4080, 4096, UINT64_MAX};
    for (size_t t = 0; t < sizeof tags / sizeof tags[0]; t++) {
        for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
            bool m16 = vf_gflags_spp_matches(&g, tags[t], sizes[z], 16);
            bool m8 = vf_gflags_spp_matches(&g, tags[t], sizes[z], 8);
            if (g.spp == VF_SPP_NONE) {
                FUZZ_CHECK(!m16 && !m8);
            }
        }
    }
    free(text);
    return 0;
}

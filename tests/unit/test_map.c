/*
 * test_map.c - the uint64_t -> pointer map behind page tables and
 * allocation registries: it must agree with a plain reference model through
 * any mix of insertions, replacements and removals.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>

#include "des/des.h"
#include "des/map.h"

/* Values are never NULL: encode key k as the pointer k + 1. */
static void *value_of(uint64_t k)
{
    return (void *)(uintptr_t)(k + 1);
}

Test(map, empty_map_finds_nothing)
{
    des_map map;
    des_map_init(&map);
    cr_assert_null(des_map_get(&map, 0));
    cr_assert_null(des_map_get(&map, 42));
    cr_assert_null(des_map_remove(&map, 42));
    cr_assert_eq(map.count, 0);
    des_map_fini(&map);
}

Test(map, put_get_replace_remove)
{
    des_map map;
    des_map_init(&map);
    cr_assert(des_map_put(&map, 7, value_of(7)));
    cr_assert_eq(des_map_get(&map, 7), value_of(7));
    cr_assert(des_map_put(&map, 7, value_of(8)));
    cr_assert_eq(des_map_get(&map, 7), value_of(8), "a put replaces");
    cr_assert_eq(map.count, 1);
    cr_assert_eq(des_map_remove(&map, 7), value_of(8));
    cr_assert_null(des_map_get(&map, 7));
    cr_assert_eq(map.count, 0);
    des_map_fini(&map);
}

Test(map, page_numbers_of_one_region)
{
    /* Page numbers of one region differ only in their low bits: the hash
     * must still spread them (a regression here shows as a hang). */
    des_map map;
    des_map_init(&map);
    const uint64_t base = 0xFFFFA58000000000ull >> 12;
    for (uint64_t i = 0; i < 100000; i++)
        cr_assert(des_map_put(&map, base + i, value_of(base + i)));
    for (uint64_t i = 0; i < 100000; i++)
        cr_assert_eq(des_map_get(&map, base + i), value_of(base + i));
    cr_assert_eq(map.count, 100000);
    cr_assert_leq(map.count * 2, map.capacity, "at most half full");
    des_map_fini(&map);
}

Test(map, agrees_with_a_reference_model)
{
    /* Keys from a small range so that removals hit, with backward-shift
     * deletion exercised across wrap-around of the slot array. */
    enum { KEYS = 512, STEPS = 200000 };
    void *model[KEYS] = {0};
    des_map map;
    des_map_init(&map);
    des_rng rng;
    des_rng_seed(&rng, 2026);
    size_t live = 0;
    for (int step = 0; step < STEPS; step++) {
        uint64_t k = des_rng_below(&rng, KEYS);
        uint64_t key = k * 0x1000; /* page-aligned addresses */
        switch (des_rng_below(&rng, 3)) {
        case 0:
            if (model[k] == NULL)
                live++;
            model[k] = value_of(key + (uint64_t)step);
            cr_assert(des_map_put(&map, key, model[k]));
            break;
        case 1:
            cr_assert_eq(des_map_remove(&map, key), model[k]);
            if (model[k] != NULL)
                live--;
            model[k] = NULL;
            break;
        default:
            cr_assert_eq(des_map_get(&map, key), model[k]);
            break;
        }
        cr_assert_eq(map.count, live);
    }
    for (uint64_t k = 0; k < KEYS; k++)
        cr_assert_eq(des_map_get(&map, k * 0x1000), model[k]);
    des_map_fini(&map);
}

Test(map, null_values_are_a_caller_bug, .signal = SIGABRT)
{
    des_map map;
    des_map_init(&map);
    des_map_put(&map, 1, NULL);
}

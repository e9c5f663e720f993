/*
 * map.c - open-addressing uint64_t -> pointer map (see map.h).
 */
#include <stdlib.h>

#include "des/map.h"

/* A 64-bit finaliser (splitmix64's): simulated addresses and page numbers are
 * highly regular, so the low bits must depend on every bit of the key. */
static size_t map_hash(uint64_t key, size_t capacity)
{
    key ^= key >> 30;
    key *= 0xBF58476D1CE4E5B9ull;
    key ^= key >> 27;
    key *= 0x94D049BB133111EBull;
    key ^= key >> 31;
    return (size_t)key & (capacity - 1);
}

void des_map_init(des_map *map)
{
    map->slots = NULL;
    map->capacity = 0;
    map->count = 0;
}

void des_map_fini(des_map *map)
{
    free(map->slots);
    des_map_init(map);
}

void *des_map_get(const des_map *map, uint64_t key)
{
    if (map->count == 0)
        return NULL;
    for (size_t i = map_hash(key, map->capacity);; i = (i + 1) & (map->capacity - 1)) {
        const des_map_slot *s = &map->slots[i];
        if (s->value == NULL)
            return NULL;
        if (s->key == key)
            return s->value;
    }
}

static void map_insert_fresh(des_map_slot *slots, size_t capacity, uint64_t key, void *value)
{
    size_t i = map_hash(key, capacity);
    while (slots[i].value != NULL)
        i = (i + 1) & (capacity - 1);
    slots[i].key = key;
    slots[i].value = value;
}

static bool map_grow(des_map *map)
{
    size_t capacity = map->capacity ? map->capacity * 2 : 64;
    des_map_slot *slots = calloc(capacity, sizeof *slots);
    if (slots == NULL)
        return false;
    for (size_t i = 0; i < map->capacity; i++) {
        if (map->slots[i].value != NULL)
            map_insert_fresh(slots, capacity, map->slots[i].key, map->slots[i].value);
    }
    free(map->slots);
    map->slots = slots;
    map->capacity = capacity;
    return true;
}

bool des_map_put(des_map *map, uint64_t key, void *value)
{
    if (value == NULL)
        abort(); /* NULL marks empty slots: a caller bug */
    if (map->capacity != 0) {
        for (size_t i = map_hash(key, map->capacity);; i = (i + 1) & (map->capacity - 1)) {
            des_map_slot *s = &map->slots[i];
            if (s->value == NULL)
                break;
            if (s->key == key) {
                s->value = value;
                return true;
            }
        }
    }
    if ((map->count + 1) * 2 > map->capacity && !map_grow(map))
        return false;
    map_insert_fresh(map->slots, map->capacity, key, value);
    map->count++;
    return true;
}

void *des_map_remove(des_map *map, uint64_t key)
{
    if (map->count == 0)
        return NULL;
    size_t mask = map->capacity - 1;
    size_t i = map_hash(key, map->capacity);
    while (map->slots[i].value != NULL && map->slots[i].key != key)
        i = (i + 1) & mask;
    void *value = map->slots[i].value;
    if (value == NULL)
        return NULL;
    /* Backward-shift deletion: pull later members of the probe run into the
     * hole so that lookups never need tombstones. */
    size_t hole = i;
    for (size_t j = (i + 1) & mask; map->slots[j].value != NULL; j = (j + 1) & mask) {
        size_t home = map_hash(map->slots[j].key, map->capacity);
        /* Move j to the hole unless its home lies cyclically in (hole, j]. */
        bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (!stays) {
            map->slots[hole] = map->slots[j];
            hole = j;
        }
    }
    map->slots[hole].value = NULL;
    map->slots[hole].key = 0;
    map->count--;
    return value;
}

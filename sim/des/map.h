/*
 * map.h - an open-addressing hash map from uint64_t keys to pointers.
 *
 * Used for sparse simulated structures (page tables, allocation registries)
 * where the key space is huge and the population small. Lookups are what the
 * hot paths do (every simulated memory access), so the map uses linear probing
 * with a power-of-two capacity, at most 50% full, and backward-shift deletion
 * (no tombstones). Its iteration order is an artefact of hashing: nothing that
 * reaches the trace or a decision may iterate it; keep a list for that.
 */
#ifndef DRVSIM_DES_MAP_H
#define DRVSIM_DES_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct des_map_slot {
    uint64_t key;
    void *value; /* NULL marks an empty slot: values are never NULL */
} des_map_slot;

typedef struct des_map {
    des_map_slot *slots;
    size_t capacity; /* a power of two, or 0 before the first insertion */
    size_t count;
} des_map;

void des_map_init(des_map *map);
void des_map_fini(des_map *map);

/* The value for key, or NULL. */
void *des_map_get(const des_map *map, uint64_t key);

/* Inserts or replaces; value must not be NULL. Returns false only when the
 * host is out of memory (the map is then unchanged). */
bool des_map_put(des_map *map, uint64_t key, void *value);

/* Removes key; returns its value or NULL if absent. */
void *des_map_remove(des_map *map, uint64_t key);

#endif /* DRVSIM_DES_MAP_H */

/*
 * pushlock.h - push locks (pushlock.c): the machine's teardown.
 */
#ifndef DRVSIM_EX_PUSHLOCK_H
#define DRVSIM_EX_PUSHLOCK_H

#include "ke/ke.h"

/* Frees the waiter queues of every push lock (machine teardown). */
void ex_push_locks_destroy(ke_machine *m);

#endif

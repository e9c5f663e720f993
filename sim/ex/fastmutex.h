/*
 * fastmutex.h - the FAST_MUTEX protocol (fastmutex.c) for the kernel's other
 * users of it: the guarded mutex (ke/guarded.c), which since Windows 8 is a
 * FAST_MUTEX (wdm.h: `FAST_MUTEX, *PFAST_MUTEX, KGUARDED_MUTEX,
 * *PKGUARDED_MUTEX`) taken inside a guarded region instead of at APC_LEVEL.
 */
#ifndef DRVSIM_EX_FASTMUTEX_H
#define DRVSIM_EX_FASTMUTEX_H

#include "ke/ke.h"

/* Acquires for the calling thread, waiting (call->blocked) while another
 * owns it; OldIrql is left alone. */
void ex_fast_mutex_init(ke_call *call, PVOID_VA fm);
void ex_fast_mutex_acquire(ke_call *call, PVOID_VA fm);
/* Takes it if it is free (Count 1); false, untouched, otherwise. */
bool ex_fast_mutex_try(ke_call *call, PVOID_VA fm);
/* Releases it; returns the waiting thread it passed to, NULL if none. */
ke_thread *ex_fast_mutex_release(ke_call *call, PVOID_VA fm);
/* The owner (the KTHREAD address in Owner), 0 when free or unreadable. */
PVOID_VA ex_fast_mutex_owner(ke_call *call, PVOID_VA fm);

#endif

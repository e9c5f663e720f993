/*
 * iov_pend.h - Force pending I/O requests (verifier.exe /flags 0x200, rule
 * class 10; I/O verification comes with it).
 *
 * Windows (force-pending-i-o-requests.md): the verifier makes IoCallDriver
 * return STATUS_PENDING to the verified driver for a random selection of
 * the IRPs it sends that the drivers below complete synchronously, and
 * completes them later, so that the sender's pending path runs: a sender
 * that does not wait, reads the IRP or its IoStatus after IoCallDriver,
 * completes or sends again an IRP it no longer owns, or frees one, is
 * found. Since Windows 7 the delay is applied where the IRP's completion
 * unwinds back into the verified driver, not at the first IoCompleteRequest
 * of the stack: here the completion walk stops at the location below the
 * sender (the one holding the sender's completion routine), the location
 * is marked pending (as the driver below would have marked it to return
 * STATUS_PENDING), and a DPC of the verifier resumes the walk
 * VF_PEND_DELAY_100NS later on the sender's processor.
 *
 * The choice is a fault point: each eligible call (an IoCallDriver or
 * PoCallDriver of a verified driver with 0x200 on, its IRP with a location
 * below the sender's) is keyed (DDI, tag 0, ordinal) beside the low
 * resources calls (inject.h), so `--fail-nth`, `--replay`, `drvsim
 * explore-faults` (one run per call site) and `drvsim shrink` choose it as
 * they choose allocations; a plain run draws from the "iopend" stream, one
 * call in VF_PEND_PROBABILITY_DENOMINATOR / VF_PEND_PROBABILITY. An IRP
 * the drivers below pend themselves (its completion not back when
 * IoCallDriver returns) is left alone.
 *
 * With 0x200 off nothing here runs: no stream is drawn from, no record is
 * written.
 */
#ifndef DRVSIM_VF_IOV_PEND_H
#define DRVSIM_VF_IOV_PEND_H

#include <stdbool.h>
#include <stdint.h>

#include "des/des.h"
#include "ke/ke.h"

/* Windows documents no fraction and no delay: drvsim forces one eligible
 * call in two (a plain run), and completes a forced IRP 1 ms later. */
#define VF_PEND_PROBABILITY 5000u /* in 10,000 */
#define VF_PEND_DELAY_100NS 10000u

struct io_irp;
struct vf_pend_item;

typedef struct vf_pend {
    des_rng rng;                /* the "iopend" stream */
    bool rng_drawn;             /* drawn from at least once: then it goes into the digest */
    uint64_t forced;            /* IRPs whose completion was deferred */
    struct vf_pend_item *items; /* every deferred completion (freed at the end) */
} vf_pend;

void vf_pend_init(vf_pend *p, uint64_t seed);
void vf_pend_free(vf_pend *p);

/* A verified driver is about to send Irp (its IoCallDriver's checks
 * passed): chooses whether to force it pending, and arms the IRP if so. */
void vf_pend_call(ke_call *call, PVOID_VA Irp);

/* The IoCallDriver the IRP is armed for returns `status` (its dispatch
 * routine's, or the I/O manager's own answer): if its completion is held,
 * the verifier takes it over and the sender gets STATUS_PENDING; otherwise
 * `status`. Disarms the IRP. */
NTSTATUS vf_pend_returned(ke_call *call, struct io_irp *irp, NTSTATUS status);

/* A verified driver completes Irp (IoCompleteRequest, level 2): one whose
 * sender was told STATUS_PENDING and whose completion the verifier holds
 * below it is an IRP a driver below holds pending (0xC9/0x209: the sender
 * took IoCallDriver's STATUS_PENDING for a completion). True if raised. */
bool vf_pend_complete(ke_call *call, PVOID_VA Irp);

#endif /* DRVSIM_VF_IOV_PEND_H */

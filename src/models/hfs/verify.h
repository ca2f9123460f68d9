/*
 * verify.h - the hemifacial spasm model's verification hook (its class's
 * .verify; see include/hfsim/verify.h).
 */
#ifndef SPASM_VERIFY_H
#define SPASM_VERIFY_H

#include "hfsim/verify.h"

hfs_status spasm_verify(hfs_verifier *v);

#endif

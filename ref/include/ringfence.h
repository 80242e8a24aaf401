/* ringfence — shared-memory broadcast rings and a fenced process barrier.
 * Umbrella header; see each header for its contract. */
#ifndef RINGFENCE_H
#define RINGFENCE_H

#include "ringfence/error.h"
#include "ringfence/placement.h"
#include "ringfence/world.h"
#include "ringfence/ring.h"
#include "ringfence/barrier.h"
#include "ringfence/snapshot.h"
#include "ringfence/launch.h"
#include "ringfence/driver.h"

#endif

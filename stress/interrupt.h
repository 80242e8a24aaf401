/* SIGINT / SIGTERM in rf-soak: participant 0 owns the world's lifetime, so
 * an interrupt aborts its world (every participant is released) and the
 * program ends 128 + signal after a clean shutdown. */
#ifndef RF_SOAK_INTERRUPT_H
#define RF_SOAK_INTERRUPT_H

#include <ringfence.h>

/* From now on an interrupt is recorded and aborts the world set below. */
void interrupt_catch(void);
/* The world an interrupt aborts (NULL: none, before close). */
void interrupt_set_world(rf_world *w);
/* The signal that interrupted us, or 0. */
int interrupt_signal(void);

#endif

/* timing: clocks used for every measurement platbench reports.
 *
 *   time_mono()   seconds on CLOCK_MONOTONIC (intervals; never jumps)
 *   time_unix()   seconds since the epoch on CLOCK_REALTIME (timestamps recorded in files)
 *   time_sleep(s) sleeps s seconds (restarts after signals until elapsed or *stop becomes non-zero)
 */
#ifndef PB_TIMING_H
#define PB_TIMING_H
#include <signal.h>

double time_mono(void);
double time_unix(void);
void time_sleep(double seconds, volatile sig_atomic_t *stop);

#endif

#define _POSIX_C_SOURCE 200809L
#include "common/timing.h"

#include <errno.h>
#include <time.h>

double time_mono(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double time_unix(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void time_sleep(double seconds, volatile sig_atomic_t *stop) {
    double end = time_mono() + seconds;
    for (;;) {
        double left = end - time_mono();
        if (left <= 0 || (stop && *stop)) return;
        struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
        if (nanosleep(&ts, NULL) == 0) return;
        if (errno != EINTR) return;
    }
}

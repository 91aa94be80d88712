/* Fuzz target: the Slurm hostlist parser (src/runner/hostlist.c).
 * Input: PATTERN, optionally followed by a newline and a HOST to match against it. */
#include "fuzz.h"
#include "runner/hostlist.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = fuzz_string(data, size);
    char *host = strchr(s, '\n');
    if (host) *host++ = '\0';
    char err[256];
    int v = hostlist_validate(s, err, sizeof err);
    int m = hostlist_match(s, host ? host : "node01", err, sizeof err);
    /* the two must agree on what is malformed */
    if ((v < 0) != (m < 0)) abort();
    if (m < -1 || m > 1) abort();
    free(s);
    return 0;
}

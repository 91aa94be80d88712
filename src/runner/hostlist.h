/* hostlist: matching host names against Slurm hostlist patterns, so a campaign can
 * say which nodes a platform may run on ("vm[01-04]", "node[1-3,7],gpu05") in the
 * syntax its users already write in sbatch/scontrol.
 *
 * Syntax (Slurm's, as in `scontrol show hostnames`):
 *   pattern := item { "," item }
 *   item    := "*"                       any host
 *            | { literal | bracket }     at least one character
 *   literal := host-name characters: letters, digits, '-', '_', '.'
 *   bracket := "[" range { "," range } "]"
 *   range   := N | N "-" M               decimal, N <= M, at most 18 digits
 * Several brackets may appear in one item: "rack[1-2]-n[01-10]".
 * Zero padding is significant, as in Slurm: a range's width is the number of digits
 * of its lower bound, so "vm[01-04]" holds vm01..vm04 (not vm1) and "n[8-10]" holds
 * n8, n9, n10 (not n08). Letters compare case-insensitively (host names are).
 * A host with a domain ("node01.cluster.org") also matches by its short name
 * ("node01"), so patterns may use either form.
 *
 * No allocation; nothing is kept between calls; thread-safe. Matching takes time
 * polynomial in the lengths (no backtracking); hosts longer than 255 characters
 * match only "*".
 *
 * API
 *   hostlist_validate(pattern, err, errlen)     0 if well formed, -1 if malformed
 *   hostlist_match(pattern, host, err, errlen)  1 host is in the pattern, 0 it is not,
 *                                               -1 pattern malformed (err says what was
 *                                               expected and at which character)
 */
#ifndef PB_HOSTLIST_H
#define PB_HOSTLIST_H
#include <stddef.h>

int hostlist_validate(const char *pattern, char *err, size_t errlen);
int hostlist_match(const char *pattern, const char *host, char *err, size_t errlen);

#endif

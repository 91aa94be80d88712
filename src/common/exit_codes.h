/* exit_codes: the exit statuses of both tools, platbench and platbench-cnn (one convention;
 * README "Exit status" and both --help texts show it).
 *
 *   0  ok (compare: no significant change)
 *   1  failure: the work could not be done or did not succeed (a data set, image or weights
 *      file that cannot be read, a file that cannot be written, MPI; compare: a significant
 *      change)
 *   2  bad usage or bad input: an unknown command or option, a missing or malformed
 *      argument, the file that describes the work refused (model file, campaign config), the
 *      results FILE that status/report inspect missing or damaged. Nothing was done; fix the
 *      command line or that file.
 *      platbench run: some experiments failed (see below)
 *   3  interrupted (platbench run: SIGTERM/SIGINT/SIGUSR1; run the same command to resume)
 *   4  out of space (disk full or quota hit): free space and run the same command again
 *
 * Why this convention: 2 for "you gave me something I cannot use" is what grep, diff and
 * cmp do, and what HPC users already test for in scripts (diff's 0 same / 1 different /
 * 2 trouble is also what `platbench compare` is to report). platbench-cnn, status, report
 * already followed it; platbench's other usage errors (1 until now) join it.
 * The one exception is `platbench run`: its codes are documented for sbatch scripts
 * (jobs/quick.sbatch resubmits on 3, stops on 2 "finished, some experiments failed" and 4),
 * so they stay: there 2 keeps meaning failed experiments and a usage or config error is 1
 * (nothing ran), never 2, so a script never takes a typo for a finished campaign.
 */
#ifndef PB_EXIT_CODES_H
#define PB_EXIT_CODES_H

enum {
    PB_EXIT_OK = 0,           /* success; compare: no significant change */
    PB_EXIT_FAILURE = 1,      /* runtime failure (data, files, MPI); run: also usage/config */
    PB_EXIT_CHANGED = 1,      /* compare: a significant change (diff's 1) */
    PB_EXIT_USAGE = 2,        /* bad usage or bad input (options, model/config, damaged file) */
    PB_EXIT_RUN_FAILURES = 2, /* run only: finished, some experiments failed (retries used) */
    PB_EXIT_INTERRUPTED = 3,  /* run: stopped by a signal; resume with the same command */
    PB_EXIT_NOSPACE = 4       /* out of space (disk full, quota): free space and run again; a
                                 workload exiting 4 makes the runner stop the campaign */
};

#endif

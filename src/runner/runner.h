/* runner: the `platbench` command line (src/platbench.c is a thin main around it).
 *
 *   platbench plan CFG                      validate, list experiments + exact argv, check platforms
 *   mpirun -n N platbench run CFG [-o FILE] [--force-resume]
 *   platbench status FILE                   counts, readable while a campaign runs
 *   platbench report FILE                   the study's tables per platform
 *   platbench help [config|platforms]       reference text
 *   platbench version
 *
 * Exit status (common/exit_codes.h): 0 ok; 1 failure (plan: refused); 2 bad usage or input
 * (config refused by plan, FILE missing or damaged). run keeps its own: 1 usage/config/file/MPI
 * error; 2 campaign finished with failed experiments; 3 interrupted by SIGTERM/SIGINT/SIGUSR1
 * (resume with the same command); 4 out of space.
 *
 * API
 *   runner_main(argc, argv)  returns the exit status; calls MPI_Init/MPI_Finalize for `run` only
 */
#ifndef PB_RUNNER_H
#define PB_RUNNER_H

int runner_main(int argc, char **argv);

#endif

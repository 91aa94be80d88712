/* platbench: runs a campaign of CNN trainings across platforms and MPI ranks into one
 * HDF5 file (see src/runner/runner.h for the commands; exit statuses: common/exit_codes.h). */
#include "runner/runner.h"

int main(int argc, char **argv) { return runner_main(argc, argv); }

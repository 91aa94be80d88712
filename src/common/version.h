/* version.h: what build wrote a file. PLATBENCH_VERSION is the project version (CMake);
 * PLATBENCH_GIT_COMMIT the source tree's commit at build time ("-dirty" with uncommitted
 * changes to tracked files, "unknown" outside git), generated at every build by
 * cmake/git_commit.cmake, so a build folder never reports a commit it was not built from. */
#ifndef PB_VERSION_H
#define PB_VERSION_H

extern const char pb_git_commit[];
#define PLATBENCH_GIT_COMMIT pb_git_commit

#endif

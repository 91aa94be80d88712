/* test_hostlist: hostlist_match/hostlist_validate against Slurm's hostlist semantics,
 * including zero padding, several brackets, short names and malformed patterns. */
#include "runner/hostlist.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tests/common/check.h"

static void expect_match(const char *pattern, const char *host, int want, int line) {
    char err[256] = "";
    int got = hostlist_match(pattern, host, err, sizeof err);
    if (got != want) {
        fprintf(stderr, "test_hostlist.c:%d: hostlist_match(\"%s\", \"%s\") = %d, expected %d (%s)\n", line,
                pattern, host, got, want, err);
        failures++;
    }
}

/* A malformed pattern: validate and match both return -1 and the message names the
 * character position (and, when given, a word of what was expected). */
static void expect_malformed(const char *pattern, const char *needle, int line) {
    char err[256] = "";
    int v = hostlist_validate(pattern, err, sizeof err);
    if (v != -1 || strstr(err, "character") == NULL || (needle && strstr(err, needle) == NULL)) {
        fprintf(stderr,
                "test_hostlist.c:%d: hostlist_validate(\"%s\") = %d, err \"%s\"; expected -1 with \"%s\"\n",
                line, pattern, v, err, needle ? needle : "character");
        failures++;
    }
    char err2[256] = "";
    int m = hostlist_match(pattern, "vm01", err2, sizeof err2);
    if (m != -1 || strcmp(err, err2) != 0) {
        fprintf(stderr, "test_hostlist.c:%d: hostlist_match(\"%s\", \"vm01\") = %d (%s), expected -1\n", line,
                pattern, m, err2);
        failures++;
    }
    printf("  malformed %-22s -> %s\n", pattern, err);
}

static void expect_valid(const char *pattern, int line) {
    char err[256] = "x";
    if (hostlist_validate(pattern, err, sizeof err) != 0 || err[0] != '\0') {
        fprintf(stderr, "test_hostlist.c:%d: hostlist_validate(\"%s\") failed: %s\n", line, pattern, err);
        failures++;
    }
}

#define MATCH(p, h)          expect_match(p, h, 1, __LINE__)
#define NO_MATCH(p, h)       expect_match(p, h, 0, __LINE__)
#define MALFORMED(p, needle) expect_malformed(p, needle, __LINE__)
#define VALID(p)             expect_valid(p, __LINE__)

int main(void) {
    /* plain names and lists */
    MATCH("node01", "node01");
    NO_MATCH("node01", "node1");
    NO_MATCH("node01", "node011");
    NO_MATCH("node01", "node0");
    MATCH("a,b,c", "b");
    MATCH("a,b,c", "c");
    NO_MATCH("a,b,c", "d");
    MATCH("NODE01", "node01"); /* host names are case-insensitive */

    /* ranges with zero padding */
    MATCH("vm[01-04]", "vm01");
    MATCH("vm[01-04]", "vm04");
    MATCH("vm[01-04]", "vm03");
    NO_MATCH("vm[01-04]", "vm1");
    NO_MATCH("vm[01-04]", "vm05");
    NO_MATCH("vm[01-04]", "vm00");
    NO_MATCH("vm[01-04]", "vm001");
    NO_MATCH("vm[01-04]", "vm");
    NO_MATCH("vm[01-04]", "vm01x");
    MATCH("n[8-10]", "n8");
    MATCH("n[8-10]", "n10");
    NO_MATCH("n[8-10]", "n08");
    NO_MATCH("n[8-10]", "n11");
    MATCH("n[098-100]", "n099");
    MATCH("n[098-100]", "n100");
    NO_MATCH("n[098-100]", "n99");
    MATCH("n[0-3]", "n0");
    NO_MATCH("n[0-3]", "n00");

    /* lists inside and outside brackets */
    MATCH("node[1-3,7],gpu05", "node2");
    MATCH("node[1-3,7],gpu05", "node7");
    MATCH("node[1-3,7],gpu05", "gpu05");
    NO_MATCH("node[1-3,7],gpu05", "node5");
    NO_MATCH("node[1-3,7],gpu05", "gpu5");
    MATCH("node[5]", "node5");
    MATCH("x[1,3,5-6]y", "x6y");
    NO_MATCH("x[1,3,5-6]y", "x6");
    NO_MATCH("x[1,3,5-6]y", "x4y");

    /* several brackets and brackets at the start */
    MATCH("rack[1-2]-n[01-10]", "rack2-n10");
    MATCH("rack[1-2]-n[01-10]", "rack1-n01");
    NO_MATCH("rack[1-2]-n[01-10]", "rack3-n01");
    NO_MATCH("rack[1-2]-n[01-10]", "rack1-n1");
    MATCH("a[1-2][3-4]", "a13");   /* needs backtracking over the split */
    MATCH("a[1-12][3-4]", "a123"); /* 12|3 */
    NO_MATCH("a[1-2][3-4]", "a15");
    MATCH("[1-3]x", "2x");

    /* short names and domains */
    MATCH("node[01-04]", "node01.cluster.org");
    MATCH("node01.cluster.org", "node01.cluster.org");
    NO_MATCH("node01.cluster.org", "node01");
    NO_MATCH("node[01-04]", "node05.cluster.org");
    MATCH("node[01-04].cluster.org", "node03.cluster.org");

    /* "*" means any host */
    MATCH("*", "anything");
    MATCH("*", "node01.cluster.org");
    MATCH("vm01,*", "x");
    NO_MATCH("*", "");

    /* huge numbers stay in range */
    MATCH("n[1-999999999999999999]", "n123456789012345678");
    NO_MATCH("n[1-9]", "n1234567890123456789012");

    VALID("vm[01-04]");
    VALID("a,b");
    VALID("*");
    VALID("r[1-2]-n[1,3]");

    MALFORMED("vm[01-", "digit");
    MALFORMED("vm[4-1]", "backwards");
    MALFORMED("vm[a-b]", "digit");
    MALFORMED("", "empty");
    MALFORMED("vm[]", "digit");
    MALFORMED("vm[01-04", "']'");
    MALFORMED("vm01]", "'['");
    MALFORMED("a,,b", "empty");
    MALFORMED("a,", "empty");
    MALFORMED(",a", "empty");
    MALFORMED("node*", "'*'");
    MALFORMED("vm[1-2", "']'");
    MALFORMED("vm[[1]]", "digit");
    MALFORMED("vm 01", "unexpected");
    MALFORMED("vm[1;2]", "']'");
    MALFORMED("n[1234567890123456789]", "digits");

    /* adjacent brackets against a long run of digits: each split of the digits is tried
     * once per position, not once per combination (found by fuzzing: exponential time) */
    {
        char pat[256] = "n", host[300] = "n", many[300];
        for (int i = 0; i < 20; i++) strcat(pat, "[1-99999]");
        for (int i = 0; i < 101; i++) strcat(host, "9"); /* 101 digits: 20 x 5 cannot hold them */
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        NO_MATCH(pat, host);
        host[100] = '\0'; /* 99 digits */
        MATCH(pat, host);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        if (s > 1.0) {
            fprintf(stderr, "test_hostlist.c:%d: 20 brackets took %.2f s; expected well under 1 s\n",
                    __LINE__, s);
            failures++;
        }
        memset(many, 'a', 256), many[256] = '\0'; /* longer than any host name: only "*" matches */
        MATCH("*", many);
        NO_MATCH(many, many);
    }

    /* error buffer may be small or absent */
    char tiny[8];
    CHECK(hostlist_validate("vm[", tiny, sizeof tiny) == -1 && strlen(tiny) == 7,
          "small error buffer not handled");
    CHECK(hostlist_match("vm[", "vm1", NULL, 0) == -1 && hostlist_validate(NULL, NULL, 0) == -1,
          "NULL error buffer not handled");

    return check_done("test_hostlist");
}

/* test_contract: the runner and the workload agree on common/workload_contract.h.
 *
 *   result file   a file written by the workload's result_write is read by the runner's
 *                 workresult_read: every contract attribute is present with its contract
 *                 type and its value, no attribute is outside the contract, every required
 *                 number and every curve round-trips into the row, and a file lacking any
 *                 required attribute is refused naming it
 *   command line  the runner's campaign_workload_argv uses exactly the contract's flags,
 *                 and `platbench-cnn train --help` (generated from the table its parser
 *                 uses) lists every one of them
 *   markers       with WC_MARKERS_ENV=1 platbench-cnn's stderr opens and closes with the
 *                 contract's marker lines
 *
 * usage: test_contract PLATBENCH_CNN     (about 0.1 s) */
#define _GNU_SOURCE
#include "cnn/result.h"
#include "common/h5io.h"
#include "common/workload_contract.h"
#include "runner/campaign.h"
#include "runner/workresult.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/common/check.h"

enum { ITERS = 3 };

/* The numbers written: distinct per attribute, so a swap between two shows. */
static const struct {
    const char *name; /* WC_ATTR_* */
    double value;     /* as written (integers exactly representable) */
} numbers[] = {{WC_ATTR_SEED, 1234567},
               {WC_ATTR_THREADS, 3},
               {WC_ATTR_CPUS_SEEN, 5},
               {WC_ATTR_BATCH, 7},
               {WC_ATTR_ITERATIONS, ITERS},
               {WC_ATTR_FINAL_RATE, 0.125},
               {WC_ATTR_FINAL_ERROR, 1.5},
               {WC_ATTR_TRAIN_ACC, 0.25},
               {WC_ATTR_VAL_ACC, 0.375},
               {WC_ATTR_TEST_ACC, 0.625},
               {WC_ATTR_TRAINING_TIME_S, 10.5},
               {WC_ATTR_LOAD_TIME_S, 11.5},
               {WC_ATTR_TRAIN_COMPUTE_S, 12.5},
               {WC_ATTR_EVAL_TIME_S, 13.5},
               {WC_ATTR_TOTAL_TIME_S, 14.5},
               {WC_ATTR_PEAK_RSS_KB, 4242},
               {WC_ATTR_N_TRAIN, 21},
               {WC_ATTR_N_VALID, 22},
               {WC_ATTR_N_TEST, 23},
               {WC_ATTR_FORMAT_VERSION, WC_RESULT_FORMAT_VERSION},
               {WC_ATTR_DATA_VERSION, 0} /* "data" is no stand-in folder */};

static double number(const char *name) {
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        if (!strcmp(numbers[i].name, name)) return numbers[i].value;
    return NAN;
}

static double curve_value(int m, int s) { return 100.0 * m + s + 0.5; }

/* Writes the result file as platbench-cnn train does (result_write). */
static int write_result(const char *path) {
    static double store[CURVE_COUNT][ITERS];
    result_info in = {"contract-model",
                      "model.cfg",
                      "data",
                      "a,b",
                      (int64_t)number(WC_ATTR_SEED),
                      (int)number(WC_ATTR_THREADS),
                      (int)number(WC_ATTR_CPUS_SEEN),
                      number(WC_ATTR_LOAD_TIME_S),
                      number(WC_ATTR_TOTAL_TIME_S),
                      (int64_t)number(WC_ATTR_PEAK_RSS_KB),
                      (int)number(WC_ATTR_N_TRAIN),
                      (int)number(WC_ATTR_N_VALID),
                      (int)number(WC_ATTR_N_TEST),
                      "conv1 wino4/wino4/-"};
    train_result r;
    memset(&r, 0, sizeof r);
    r.iterations = ITERS;
    r.batch = (int)number(WC_ATTR_BATCH);
    r.final_rate = number(WC_ATTR_FINAL_RATE);
    r.final_error = number(WC_ATTR_FINAL_ERROR);
    r.train_acc = number(WC_ATTR_TRAIN_ACC);
    r.val_acc = number(WC_ATTR_VAL_ACC);
    r.test_acc = number(WC_ATTR_TEST_ACC);
    r.training_time_s = number(WC_ATTR_TRAINING_TIME_S);
    r.train_compute_s = number(WC_ATTR_TRAIN_COMPUTE_S);
    r.eval_time_s = number(WC_ATTR_EVAL_TIME_S);
    for (int m = 0; m < CURVE_COUNT; m++) {
        r.curves[m] = store[m];
        for (int s = 0; s < ITERS; s++) store[m][s] = curve_value(m, s);
    }
    char err[512] = "";
    int rc = result_write(path, &in, &r, err, sizeof err);
    CHECK(rc == 0, "result_write %s: %s", path, err);
    return rc;
}

static const wc_attr *contract_attr(const char *name) {
    for (const wc_attr *a = wc_result_attrs; a->name; a++)
        if (!strcmp(a->name, name)) return a;
    return NULL;
}

static herr_t outside_contract(hid_t loc, const char *name, const H5A_info_t *info, void *arg) {
    (void)loc, (void)info, (void)arg;
    CHECK(contract_attr(name), "result.c writes attribute \"%s\", which is not in wc_result_attrs", name);
    return 0;
}

/* Every contract attribute in the file with its type and value; nothing else. */
static void check_file(const char *path) {
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(f >= 0, "%s: cannot open", path);
    if (f < 0) return;
    static const char *const type_names[] = {"string", "int32", "int64", "float64"};
    for (const wc_attr *a = wc_result_attrs; a->name; a++) {
        if (H5Aexists(f, a->name) <= 0) {
            CHECK(0, "contract attribute \"%s\" is not written by result.c", a->name);
            continue;
        }
        hid_t at = H5Aopen(f, a->name, H5P_DEFAULT), t = H5Aget_type(at);
        H5T_class_t cls = H5Tget_class(t);
        size_t sz = H5Tget_size(t);
        int ok = a->type == WC_STR   ? cls == H5T_STRING
                 : a->type == WC_F64 ? cls == H5T_FLOAT && sz == 8
                                     : cls == H5T_INTEGER && sz == (a->type == WC_I32 ? 4u : 8u);
        CHECK(ok, "attribute \"%s\": stored as class %d size %zu; the contract says %s", a->name, (int)cls,
              sz, type_names[a->type]);
        H5Tclose(t);
        H5Aclose(at);
        if (a->type == WC_STR) {
            char buf[256];
            CHECK(h5io_read_attr_str(f, a->name, buf, sizeof buf) == 0, "attribute \"%s\": unreadable",
                  a->name);
            if (!strcmp(a->name, WC_ATTR_FORMAT))
                CHECK(!strcmp(buf, WC_RESULT_FORMAT), "format \"%s\"; expected " WC_RESULT_FORMAT, buf);
        } else {
            double v = NAN;
            CHECK(h5io_read_attr_num(f, a->name, H5T_NATIVE_DOUBLE, &v) == 0 && v == number(a->name),
                  "attribute \"%s\": %g; written %g", a->name, v, number(a->name));
        }
    }
    hsize_t idx = 0;
    H5Aiterate2(f, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, outside_contract, NULL);
    H5Fclose(f);
}

static double row_number(const exp_row *row, const char *name) {
    if (!strcmp(name, WC_ATTR_ITERATIONS)) return row->iterations;
    if (!strcmp(name, WC_ATTR_CPUS_SEEN)) return row->cpus_seen;
    static const struct {
        const char *name;
        size_t off;
    } d[] = {{WC_ATTR_FINAL_RATE, offsetof(exp_row, final_rate)},
             {WC_ATTR_FINAL_ERROR, offsetof(exp_row, final_error)},
             {WC_ATTR_TRAIN_ACC, offsetof(exp_row, train_acc)},
             {WC_ATTR_VAL_ACC, offsetof(exp_row, val_acc)},
             {WC_ATTR_TEST_ACC, offsetof(exp_row, test_acc)},
             {WC_ATTR_TRAINING_TIME_S, offsetof(exp_row, training_time_s)},
             {WC_ATTR_LOAD_TIME_S, offsetof(exp_row, load_time_s)},
             {WC_ATTR_TRAIN_COMPUTE_S, offsetof(exp_row, train_compute_s)},
             {WC_ATTR_EVAL_TIME_S, offsetof(exp_row, eval_time_s)},
             {WC_ATTR_TOTAL_TIME_S, offsetof(exp_row, total_time_s)}};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        if (!strcmp(d[i].name, name)) return *(const double *)((const char *)row + d[i].off);
    return NAN;
}

/* The runner reads what the workload wrote: every required number and every curve. */
static void check_ingest(const char *path) {
    enum { STEPS = ITERS + 2 };
    double store[RESULTS_N_CURVES][STEPS], *curves[RESULTS_N_CURVES];
    for (int m = 0; m < RESULTS_N_CURVES; m++) curves[m] = store[m];
    exp_row row;
    exp_row_init(&row);
    char err[1024] = "";
    int rc = workresult_read(path, &row, curves, STEPS, err, sizeof err);
    CHECK(rc == 0, "workresult_read %s: %s", path, err);
    for (const wc_attr *a = wc_result_attrs; a->name; a++)
        if (a->required && a->type != WC_STR)
            CHECK(row_number(&row, a->name) == number(a->name), "required \"%s\": row holds %g, written %g",
                  a->name, row_number(&row, a->name), number(a->name));
    for (int m = 0; m < RESULTS_N_CURVES; m++)
        for (int s = 0; s < STEPS; s++)
            CHECK(s < ITERS ? store[m][s] == curve_value(m, s) : isnan(store[m][s]), "curve %s step %d: %g",
                  wc_curve_names[m], s, store[m][s]);
}

/* A file without a required attribute is refused, naming it. */
static void check_required(const char *path) {
    for (const wc_attr *a = wc_result_attrs; a->name; a++) {
        if (!a->required || write_result(path)) continue;
        hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
        H5Adelete(f, a->name);
        H5Fclose(f);
        double store[RESULTS_N_CURVES][ITERS], *curves[RESULTS_N_CURVES];
        for (int m = 0; m < RESULTS_N_CURVES; m++) curves[m] = store[m];
        exp_row row;
        exp_row_init(&row);
        char err[1024] = "";
        int rc = workresult_read(path, &row, curves, ITERS, err, sizeof err);
        CHECK(rc == -1 && strstr(err, a->name),
              "without required \"%s\": rc %d, \"%s\"; expected -1 naming it", a->name, rc, err);
    }
}

/* argv's output (fd 1 or 2) into buf; WC_MARKERS_ENV=1 when markers. */
static void capture(char *const *argv, int fd, int markers, char *buf, size_t n) {
    int p[2];
    buf[0] = '\0';
    if (pipe(p)) return;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], fd);
        close(p[0]);
        if (markers)
            setenv(WC_MARKERS_ENV, "1", 1);
        else
            unsetenv(WC_MARKERS_ENV);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    size_t got = 0;
    ssize_t k;
    while (got + 1 < n && (k = read(p[0], buf + got, n - 1 - got)) > 0) got += (size_t)k;
    buf[got] = '\0';
    close(p[0]);
    waitpid(pid, NULL, 0);
}

static int is_flag_of_contract(const char *s) {
    for (const char *const *f = wc_train_flags; *f; f++)
        if (!strcmp(*f, s)) return 1;
    return 0;
}

static void check_command_line(const char *cnn) {
    campaign c;
    memset(&c, 0, sizeof c);
    c.interface = WORKLOAD_PLATBENCH_CNN;
    c.executable = (char *)cnn;
    c.model = "model.cfg";
    c.data = "data";
    c.steps = 3;
    c.batch = 2;
    c.threads = 1;
    strv_init(&c.args);
    experiment e = {0, 0, 0, 99};
    strv argv;
    strv_init(&argv);
    CHECK(campaign_workload_argv(&c, &e, "r.h5", &argv) == 0, "campaign_workload_argv failed");
    CHECK(argv.len > 1 && !strcmp(argv.items[1], WC_TRAIN_COMMAND),
          "argv[1] \"%s\"; expected " WC_TRAIN_COMMAND, argv.len > 1 ? argv.items[1] : "");
    for (size_t i = 2; i < argv.len; i++)
        if (!strncmp(argv.items[i], "--", 2))
            CHECK(is_flag_of_contract(argv.items[i]), "the runner passes %s, not in wc_train_flags",
                  argv.items[i]);
    static char help[65536];
    char *const hargv[] = {(char *)cnn, WC_TRAIN_COMMAND, "--help", NULL};
    capture(hargv, 1, 0, help, sizeof help);
    for (const char *const *f = wc_train_flags; *f; f++) {
        int passed = 0;
        for (size_t i = 2; i < argv.len; i++) passed |= !strcmp(argv.items[i], *f);
        CHECK(passed, "contract flag %s is not passed by campaign_workload_argv", *f);
        char want[64];
        snprintf(want, sizeof want, "  %s ", *f);
        CHECK(strstr(help, want), "contract flag %s is unknown to `platbench-cnn train` (its --help:\n%s)",
              *f, help);
    }
    strv_free(&argv);
    static char err[65536];
    char *const margv[] = {(char *)cnn, WC_TRAIN_COMMAND, NULL}; /* a usage error: still marked */
    capture(margv, 2, 1, err, sizeof err);
    size_t len = strlen(err);
    CHECK(!strncmp(err, WC_MARK_START "\n", strlen(WC_MARK_START) + 1),
          "stderr does not open with \"" WC_MARK_START "\":\n%s", err);
    CHECK(len > strlen(WC_MARK_END) && !strcmp(err + len - strlen(WC_MARK_END) - 1, WC_MARK_END "\n"),
          "stderr does not close with \"" WC_MARK_END "\":\n%s", err);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_contract PLATBENCH_CNN\n");
        return 2;
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char dir[] = "/tmp/test_contract-XXXXXX";
    if (!mkdtemp(dir)) return 2;
    char path[128];
    snprintf(path, sizeof path, "%s/result.h5", dir);
    if (write_result(path) == 0) {
        check_file(path);
        check_ingest(path);
    }
    check_required(path);
    check_command_line(argv[1]);
    unlink(path);
    rmdir(dir);
    if (failures) return check_done("test_contract");
    int n_attrs = 0, n_flags = 0;
    while (wc_result_attrs[n_attrs].name) n_attrs++;
    while (wc_train_flags[n_flags]) n_flags++;
    printf("test_contract: result file (%d attributes, %d curves), command line (%d flags) and markers "
           "agree on both sides\n",
           n_attrs, WC_CURVE_COUNT, n_flags);
    return 0;
}

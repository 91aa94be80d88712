/* fake_workload: a trivial stand-in for platbench-cnn, used only by bench_runner.sh to
 * measure the runner's own cost per experiment. Same CLI as `platbench-cnn train`
 * (unknown options ignored); prints the PLATBENCH_MARK lines on stderr and writes a
 * RESULT.h5 per src/cnn/OUTPUT.md (to OUT.tmp, renamed) with made-up but finite values
 * derived from the seed, and curves of --steps values. No training happens. */
#define _GNU_SOURCE
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void attr_d(hid_t f, const char *name, double v) {
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_DOUBLE, &v);
    H5Aclose(a);
    H5Sclose(sp);
}

static void attr_i(hid_t f, const char *name, hid_t type, long long v) {
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_LLONG, &v);
    H5Aclose(a);
    H5Sclose(sp);
}

static void attr_s(hid_t f, const char *name, const char *v) {
    hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
    H5Tset_size(t, strlen(v) + 1);
    hid_t a = H5Acreate2(f, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, v);
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
}

/* --damage KIND: damages the result file after writing it, for the runner's ingest tests:
 * truncate (to half), zeros (every byte 0), flip (bytes of the first 2 KiB, where the
 * superblock and object headers are, XOR-ed), or seed (kind by seed % 4: whole, truncate,
 * zeros, flip). 0 or -1. */
static int damage_file(const char *path, const char *kind, long long seed) {
    static const char *const kinds[4] = {"none", "truncate", "zeros", "flip"};
    if (!strcmp(kind, "seed")) kind = kinds[seed % 4];
    FILE *f = fopen(path, "r+b");
    if (!f || fseek(f, 0, SEEK_END)) return -1;
    long n = ftell(f);
    unsigned char *b = n > 0 ? malloc((size_t)n) : NULL;
    rewind(f);
    int rc = !b || fread(b, 1, (size_t)n, f) != (size_t)n ? -1 : 0;
    fclose(f);
    if (!rc && strcmp(kind, "none")) {
        if (!strcmp(kind, "zeros"))
            memset(b, 0, (size_t)n);
        else if (!strcmp(kind, "flip"))
            for (long i = 96; i < n && i < 2048; i += 61) b[i] ^= 0x5a;
        else if (!strcmp(kind, "truncate"))
            n /= 2;
        else
            rc = -1;
        f = rc ? NULL : fopen(path, "wb");
        rc = !f || fwrite(b, 1, (size_t)n, f) != (size_t)n ? -1 : 0;
        if (f && fclose(f)) rc = -1;
    }
    free(b);
    return rc;
}

int main(int argc, char **argv) {
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const char *mk = getenv("PLATBENCH_MARKERS"); /* the runner asks for the markers */
    int markers = mk && !strcmp(mk, "1");
    if (markers) fprintf(stderr, "PLATBENCH_MARK workload_start\n");
    const char *out = NULL;
    int steps = 1;
    long long seed = 0;
    const char *damage = NULL;
    for (int i = 1; i + 1 < argc; i++) {
        if (!strcmp(argv[i], "--out"))
            out = argv[++i];
        else if (!strcmp(argv[i], "--damage"))
            damage = argv[++i];
        else if (!strcmp(argv[i], "--steps"))
            steps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed"))
            seed = atoll(argv[++i]);
    }
    if (!out || steps < 1) {
        fprintf(stderr, "usage: fake_workload train --out FILE [--steps N] [--seed S]\n");
        return 2;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) return 1;
    double acc = 0.25 + (double)(seed % 50) / 100.0;
    attr_s(f, "format", "platbench-cnn-result");
    attr_i(f, "format_version", H5T_STD_I32LE, 1);
    attr_i(f, "seed", H5T_STD_I64LE, seed);
    attr_i(f, "iterations", H5T_STD_I32LE, steps);
    attr_i(f, "cpus_seen", H5T_STD_I32LE, 1);
    attr_i(f, "threads", H5T_STD_I32LE, 1);
    attr_i(f, "batch", H5T_STD_I32LE, 1);
    attr_i(f, "peak_rss_kb", H5T_STD_I64LE, 1000);
    attr_d(f, "final_rate", 0.001);
    attr_d(f, "final_error", 1.0 - acc);
    attr_d(f, "train_acc", acc);
    attr_d(f, "val_acc", acc);
    attr_d(f, "test_acc", acc);
    attr_d(f, "load_time_s", 0);
    attr_d(f, "train_compute_s", 0);
    attr_d(f, "eval_time_s", 0);
    attr_d(f, "training_time_s", 0);
    hid_t g = H5Gcreate2(f, "curves", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const char *names[] = {"train_loss", "train_acc", "val_loss", "val_acc", "lr", "elapsed_s"};
    double *v = calloc((size_t)steps, sizeof *v);
    if (!v) return 1;
    hsize_t n = (hsize_t)steps;
    for (int m = 0; m < 6; m++) {
        for (int s = 0; s < steps; s++) v[s] = m + s * 0.01;
        hid_t sp = H5Screate_simple(1, &n, NULL);
        hid_t ds = H5Dcreate2(g, names[m], H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
        H5Dclose(ds);
        H5Sclose(sp);
    }
    free(v);
    H5Gclose(g);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    attr_d(f, "total_time_s", (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9);
    H5Fclose(f);
    if (rename(tmp, out)) return 1;
    if (damage && damage_file(out, damage, seed)) return 1;
    if (markers) fprintf(stderr, "PLATBENCH_MARK workload_end\n");
    return 0;
}

/* report: status and summary tables of a results file (see report.h). */
#define _GNU_SOURCE
#include "runner/report.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runner/results.h"

/* Platforms in order of first appearance. */
static int platform_list(const results_view *v, const char **names, const char **kinds, int max) {
    int n = 0;
    for (int i = 0; i < v->n; i++) {
        int seen = 0;
        for (int k = 0; k < n; k++)
            if (!strcmp(names[k], v->rows[i].platform)) seen = 1;
        if (!seen && n < max) {
            names[n] = v->rows[i].platform;
            kinds[n++] = v->rows[i].kind;
        }
    }
    return n;
}

static int is_done(const exp_row *r) { return exp_row_status(r) == EXP_DONE; }

/* Prints the damaged objects of a loaded file, one line each, to stderr (after the tables,
 * so they end the output). Returns 1 when there were any, else 0. */
static int report_damage(const char *path, const results_view *v) {
    if (!v->n_damaged) return 0;
    fflush(stdout);
    for (const char *l = v->damage; l && *l;) {
        const char *e = strchr(l, '\n');
        int len = e ? (int)(e - l) : (int)strlen(l);
        fprintf(stderr, "platbench: %s: damaged: %.*s\n", path, len, l);
        l = e ? e + 1 : l + len;
    }
    fprintf(stderr, "platbench: %s: %d damaged object%s; everything else above is as read from the file\n",
            path, v->n_damaged, v->n_damaged == 1 ? "" : "s");
    return 1;
}

int report_status(const char *path, FILE *fp, char *err, size_t errlen) {
    results_view v;
    if (results_load(path, &v, err, errlen)) return -1;
    const char *names[256], *kinds[256];
    int P = platform_list(&v, names, kinds, 256);
    int tot[EXP_N_STATUS] = {0};
    char when[64] = "?";
    if (!isnan(v.updated_unix)) {
        time_t t = (time_t)v.updated_unix;
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
    }
    fprintf(fp, "%s: campaign \"%s\", state %s (updated %s), %d experiments\n", path, v.campaign_name,
            v.state, when, v.n);
    fprintf(fp, "%-16s %6s %6s %11s %7s %7s %7s %9s\n", "platform", exp_status_name(EXP_DONE),
            exp_status_name(EXP_FAILED), exp_status_name(EXP_INTERRUPTED), exp_status_name(EXP_RUNNING),
            exp_status_name(EXP_PENDING), exp_status_name(EXP_SKIPPED), "remaining");
    for (int p = 0; p <= P; p++) {
        int cnt[EXP_N_STATUS] = {0};
        for (int i = 0; i < v.n; i++) {
            if (p < P && strcmp(v.rows[i].platform, names[p])) continue;
            cnt[exp_row_status(&v.rows[i])]++;
        }
        if (p < P)
            for (int s = 0; s < EXP_N_STATUS; s++) tot[s] += cnt[s];
        int *c = p < P ? cnt : tot;
        fprintf(fp, "%-16s %6d %6d %11d %7d %7d %7d %9d\n", p < P ? names[p] : "TOTAL", c[EXP_DONE],
                c[EXP_FAILED], c[EXP_INTERRUPTED], c[EXP_RUNNING], c[EXP_PENDING], c[EXP_SKIPPED],
                c[EXP_INTERRUPTED] + c[EXP_RUNNING] + c[EXP_PENDING]);
    }
    int shown = 0;
    for (int i = 0; i < v.n && shown < 10; i++)
        if (exp_row_status(&v.rows[i]) == EXP_FAILED || exp_row_status(&v.rows[i]) == EXP_SKIPPED) {
            if (!shown++) fprintf(fp, "problems (first 10):\n");
            fprintf(fp, "  e%04d %-12s test %d attempt %d %s: %s\n", v.rows[i].id, v.rows[i].platform,
                    v.rows[i].test, v.rows[i].attempt, v.rows[i].status, v.rows[i].error);
        }
    int damaged = report_damage(path, &v);
    results_view_free(&v);
    return damaged;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* median/min/max of the finite values of vals[0..n); returns the count used. */
static int stats(double *vals, int n, double *med, double *mn, double *mx) {
    int k = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(vals[i])) vals[k++] = vals[i];
    *med = *mn = *mx = NAN;
    if (!k) return 0;
    qsort(vals, (size_t)k, sizeof *vals, cmp_double);
    *mn = vals[0];
    *mx = vals[k - 1];
    *med = k % 2 ? vals[k / 2] : 0.5 * (vals[k / 2 - 1] + vals[k / 2]);
    return k;
}

/* A done row whose timings count: not oversubscribed (threads > its CPUs, or CPUs shared
   with another rank; analysis/SCHEMA.md). */
static int clean_row(const exp_row *r) { return is_done(r) && r->oversubscribed != 1; }

/* Median of field over the clean done rows of platform name. */
static double platform_median(const results_view *v, const char *name, double *buf, size_t field) {
    int n = 0;
    for (int i = 0; i < v->n; i++)
        if (!strcmp(v->rows[i].platform, name) && clean_row(&v->rows[i]))
            buf[n++] = *(const double *)((const char *)&v->rows[i] + field);
    double med, mn, mx;
    stats(buf, n, &med, &mn, &mx);
    return med;
}

/* The platforms of a loaded file, in order of first appearance, and its bare one. */
typedef struct report_ctx {
    const results_view *v;  /* the file */
    const char *names[256]; /* platform names */
    const char *kinds[256]; /* their kinds */
    int P;                  /* platforms */
    double *buf;            /* scratch, one double per row */
} report_ctx;

/* The best run of each platform. */
static void print_best(FILE *fp, const report_ctx *rc) {
    const results_view *v = rc->v;
    const char *const *names = rc->names;
    int P = rc->P;
    fprintf(fp, "Best run per platform (highest test accuracy; ties -> lowest training time)\n");
    fprintf(fp, "%-14s %5s %10s %10s %9s %9s %9s %10s %6s\n", "platform", "iter", "final_rate", "final_err",
            "train_acc", "val_acc", "test_acc", "time_s", "test");
    for (int p = 0; p < P; p++) {
        const exp_row *best = NULL;
        for (int i = 0; i < v->n; i++) {
            const exp_row *r = &v->rows[i];
            if (strcmp(r->platform, names[p]) || !is_done(r)) continue;
            double a = isfinite(r->test_acc) ? r->test_acc : -1;
            double b = best && isfinite(best->test_acc) ? best->test_acc : -1;
            if (!best || a > b || (a == b && r->training_time_s < best->training_time_s)) best = r;
        }
        if (!best) {
            fprintf(fp, "%-14s (no finished run)\n", names[p]);
            continue;
        }
        fprintf(fp, "%-14s %5d %10.5g %10.4f %9.4f %9.4f %9.4f %10.2f %6d\n", names[p], best->iterations,
                best->final_rate, best->final_error, best->train_acc, best->val_acc, best->test_acc,
                best->training_time_s, best->test);
    }
}

/* Per platform: outcome counts, medians [min, max], times relative to bare. */
static void print_summary(FILE *fp, const report_ctx *rc) {
    const results_view *v = rc->v;
    const char *const *names = rc->names;
    const char *const *kinds = rc->kinds;
    double *buf = rc->buf;
    int P = rc->P;
    const char *bare = NULL;
    for (int p = 0; p < P && !bare; p++)
        if (!strcmp(kinds[p], "bare")) bare = names[p];
    double bare_med = bare ? platform_median(v, bare, buf, offsetof(exp_row, training_time_s)) : NAN;
    double bare_wall = bare ? platform_median(v, bare, buf, offsetof(exp_row, wall_s)) : NAN;
    int n_over = 0;
    for (int i = 0; i < v->n; i++) n_over += is_done(&v->rows[i]) && v->rows[i].oversubscribed == 1;
    fprintf(fp, "\nSummary over tests (done runs): median [min, max]; time/bare and wall/bare over "
                "runs not oversubscribed\n");
    fprintf(fp, "%-14s %4s %6s %7s %-26s %-26s %-26s %-11s %s\n", "platform", exp_status_name(EXP_DONE),
            exp_status_name(EXP_FAILED), exp_status_name(EXP_SKIPPED), "training_time_s", "test_acc",
            "val_acc", "time/bare", "wall/bare");
    for (int p = 0; p < P; p++) {
        int done = 0, failed = 0, skipped = 0;
        for (int i = 0; i < v->n; i++) {
            if (strcmp(v->rows[i].platform, names[p])) continue;
            exp_status st = exp_row_status(&v->rows[i]);
            done += st == EXP_DONE;
            failed += st == EXP_FAILED;
            skipped += st == EXP_SKIPPED;
        }
        char cols[3][64];
        size_t fields[3] = {offsetof(exp_row, training_time_s), offsetof(exp_row, test_acc),
                            offsetof(exp_row, val_acc)};
        for (int f = 0; f < 3; f++) {
            int n = 0;
            for (int i = 0; i < v->n; i++)
                if (!strcmp(v->rows[i].platform, names[p]) && is_done(&v->rows[i]) &&
                    (f > 0 || clean_row(&v->rows[i]))) /* timings: clean runs only */
                    buf[n++] = *(const double *)((const char *)&v->rows[i] + fields[f]);
            double med, mn, mx;
            if (stats(buf, n, &med, &mn, &mx))
                snprintf(cols[f], sizeof cols[f], f ? "%.4f [%.4f, %.4f]" : "%.2f [%.2f, %.2f]", med, mn, mx);
            else
                snprintf(cols[f], sizeof cols[f], "-");
        }
        double med = platform_median(v, names[p], buf, offsetof(exp_row, training_time_s));
        double wall = platform_median(v, names[p], buf, offsetof(exp_row, wall_s));
        char rel[32] = "-", relw[32] = "-";
        if (isfinite(med) && isfinite(bare_med) && bare_med > 0)
            snprintf(rel, sizeof rel, "%.3f", med / bare_med);
        if (isfinite(wall) && isfinite(bare_wall) && bare_wall > 0)
            snprintf(relw, sizeof relw, "%.3f", wall / bare_wall);
        fprintf(fp, "%-14s %4d %6d %7d %-26s %-26s %-26s %-11s %s\n", names[p], done, failed, skipped,
                cols[0], cols[1], cols[2], rel, relw);
    }
    if (!bare) fprintf(fp, "(no bare platform in this campaign: no relative times)\n");
    if (n_over)
        fprintf(fp,
                "OVERSUBSCRIBED: %d done run%s ran with more threads than CPUs or on CPUs shared "
                "with another rank (allow_oversubscribe): their timings are left out of the "
                "columns above and shown below only\n",
                n_over, n_over == 1 ? "" : "s");
}

/* Training time by timing condition: solo, with co-runners, oversubscribed. */
static void print_conditions(FILE *fp, const report_ctx *rc) {
    const results_view *v = rc->v;
    const char *const *names = rc->names;
    double *buf = rc->buf;
    int P = rc->P;
    /* timing conditions: solo vs with co-runners on the same host vs oversubscribed */
    fprintf(fp, "\nTiming conditions (training_time_s, done runs): n median\n");
    fprintf(fp, "%-14s %-20s %-20s %-20s\n", "platform", "solo", "with co-runners", "oversubscribed");
    for (int p = 0; p < P; p++) {
        char cols[3][32];
        for (int k = 0; k < 3; k++) {
            int n = 0;
            for (int i = 0; i < v->n; i++) {
                const exp_row *r = &v->rows[i];
                if (strcmp(r->platform, names[p]) || !is_done(r)) continue;
                int cls = r->oversubscribed == 1 ? 2 : r->corunners[0] ? 1 : 0;
                if (cls == k) buf[n++] = r->training_time_s;
            }
            double med, mn, mx;
            int used = stats(buf, n, &med, &mn, &mx);
            if (used)
                snprintf(cols[k], sizeof cols[k], "%d %.3f", used, med);
            else
                snprintf(cols[k], sizeof cols[k], "0 -");
        }
        fprintf(fp, "%-14s %-20s %-20s %-20s\n", names[p], cols[0], cols[1], cols[2]);
    }
}

/* The data set versions the done runs trained on (SCHEMA.md data_version): one line, and a
 * warning when there is more than one (a stand-in rewritten between runs of one campaign). */
static void print_data_versions(FILE *fp, const report_ctx *rc) {
    const results_view *v = rc->v;
    int vers[16], counts[16], nv = 0, done = 0;
    for (int i = 0; i < v->n; i++) {
        if (!is_done(&v->rows[i])) continue;
        done++;
        int k = 0;
        while (k < nv && vers[k] != v->rows[i].data_version) k++;
        if (k == nv && nv < 16) vers[nv] = v->rows[i].data_version, counts[nv++] = 0;
        if (k < nv) counts[k]++;
    }
    if (nv == 1 && vers[0] >= 0)
        fprintf(fp, "data set version %d (every one of the %d done runs)\n\n", vers[0], done);
    if (nv < 2) return;
    fprintf(fp, "MIXED DATA VERSIONS: the done runs trained on data set versions");
    for (int k = 0; k < nv; k++)
        fprintf(fp, "%s %s%d (%d run%s)", k ? "," : "", vers[k] < 0 ? "unknown " : "", vers[k], counts[k],
                counts[k] == 1 ? "" : "s");
    fprintf(fp, "; accuracies of different versions are not comparable (was the stand-in rewritten "
                "between runs?)\n\n");
}

int report_print(const char *path, FILE *fp, char *err, size_t errlen) {
    results_view v;
    if (results_load(path, &v, err, errlen)) return -1;
    report_ctx rc = {.v = &v};
    rc.buf = malloc((size_t)(v.n ? v.n : 1) * sizeof *rc.buf);
    if (!rc.buf) {
        snprintf(err, errlen, "out of memory");
        results_view_free(&v);
        return -1;
    }
    rc.P = platform_list(&v, rc.names, rc.kinds, 256);
    fprintf(fp, "campaign \"%s\" (%s, state %s), %d experiments\n\n", v.campaign_name, path, v.state, v.n);
    print_data_versions(fp, &rc);
    print_best(fp, &rc);
    print_summary(fp, &rc);
    print_conditions(fp, &rc);
    free(rc.buf);
    int damaged = report_damage(path, &v);
    results_view_free(&v);
    return damaged;
}

/* test_config: the model-file loader. The shipped models load with the expected shapes and
 * parameter counts; bad files (unknown key, wrong type, missing value, impossible shape, ...)
 * give an error naming file:line and what was expected, and never crash.
 * usage: test_config MODELS_DIR */
#include "cnn/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail = 0;

static const char *head = "name = \"bad\";\n"                                    /* line 1 */
                          "input = { channels = 1; height = 8; width = 8; };\n"; /* line 2 */

/* Writes head + body (body starts on line 3) to a file, loads it; the error must contain
 * "<file>:<line>" and `want`. */
static void bad(const char *dir, const char *label, const char *body, int line, const char *want)
{
    char path[512], err[1024], loc[600];
    snprintf(path, sizeof path, "%s/%s.cfg", dir, label);
    FILE *f = fopen(path, "w");
    if (!f) exit(1);
    fprintf(f, "%s%s", head, body);
    fclose(f);
    model m;
    err[0] = 0;
    int rc = model_load(&m, path, err, sizeof err);
    snprintf(loc, sizeof loc, "%s:%d", path, line);
    int ok = rc != 0 && strstr(err, loc) && strstr(err, want);
    printf("%-22s %s\n    -> %s\n", label, ok ? "ok" : "FAIL", rc ? err : "(accepted!)");
    if (!ok) fail = 1;
    if (!rc) model_free(&m);
    unlink(path);
}

static void good(const char *dir, const char *name, size_t params, int classes, double gflop)
{
    char path[512], err[1024];
    snprintf(path, sizeof path, "%s/%s.cfg", dir, name);
    model m;
    if (model_load(&m, path, err, sizeof err)) {
        printf("%s: FAIL: %s\n", path, err);
        fail = 1;
        return;
    }
    double fwd, train;
    model_flops(&m, &fwd, &train);
    int ok = m.n_params == params && m.n_classes == classes &&
             (gflop == 0 || (fwd / 1e9 > gflop * 0.99 && fwd / 1e9 < gflop * 1.01));
    printf("%-8s %zu parameters, %d classes, %.3f GFLOP forward per image: %s\n", name, m.n_params,
           m.n_classes, fwd / 1e9, ok ? "ok" : "FAIL");
    if (!ok) fail = 1;
    model_free(&m);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODELS_DIR\n", argv[0]);
        return 2;
    }
    /* the study's network: 3,932,820 parameters (588,688 conv + 3,344,132 dense), 1.44 GFLOP */
    good(argv[1], "paper", 3932820, 4, 1.44);
    good(argv[1], "quick", 474132, 4, 0);
    good(argv[1], "tiny", 26500, 4, 0);
    model m;
    char err[1024], dir[] = "/tmp/pb-test-config-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    const char *tail = "  { type = \"dense\"; out = 4; relu = false; }\n);\n";
    char body[1024];

    snprintf(body, sizeof body, "layers = (\n  { type = \"conv\"; out = 8; stride = 2; },\n%s", tail);
    bad(dir, "unknown-layer-key", body, 4, "unknown key \"stride\"");
    snprintf(body, sizeof body, "layers = (\n  { type = \"conv\"; out = \"8\"; },\n%s", tail);
    bad(dir, "wrong-type", body, 4, "must be an integer");
    snprintf(body, sizeof body, "layers = (\n  { type = \"conv\"; out = ; },\n%s", tail);
    bad(dir, "missing-value", body, 4, "syntax error");
    snprintf(body, sizeof body, "layers = (\n  { type = \"conv\"; },\n%s", tail);
    bad(dir, "missing-key", body, 4, "missing \"out\"");
    snprintf(body, sizeof body,
             "layers = (\n  { type = \"maxpool\"; },\n  { type = \"maxpool\"; },\n"
             "  { type = \"maxpool\"; },\n  { type = \"maxpool\"; },\n%s",
             tail);
    bad(dir, "impossible-pool", body, 7, "impossible");
    snprintf(body, sizeof body,
             "layers = (\n  { type = \"dense\"; out = 5; },\n  { type = \"conv\"; out = 2; },\n%s",
             tail);
    bad(dir, "conv-after-dense", body, 5, "cannot follow a dense layer");
    snprintf(body, sizeof body, "layers = (\n  { type = \"conv\"; out = 4; kernel = 5; },\n%s", tail);
    bad(dir, "kernel-5", body, 4, "expected 3");
    bad(dir, "logits-relu", "layers = (\n  { type = \"dense\"; out = 4; }\n);\n", 4,
        "relu = false");
    bad(dir, "unknown-type", "layers = (\n  { type = \"lstm\"; out = 4; }\n);\n", 4,
        "unknown layer type \"lstm\"");
    snprintf(body, sizeof body, "layers = (\n%s\ntrain = { steps = 1.5; };\n", tail);
    bad(dir, "train-wrong-type", body, 7, "\"steps\" must be an integer");
    snprintf(body, sizeof body, "layers = (\n%s\ntrain = { stepz = 10; };\n", tail);
    bad(dir, "train-unknown-key", body, 7, "unknown key \"stepz\"");
    snprintf(body, sizeof body, "layers = (\n%s\ntrain = { batch = 0; };\n", tail);
    bad(dir, "batch-zero", body, 7, "out of range");
    snprintf(body, sizeof body, "optimizer = \"sgd\";\nlayers = (\n%s", tail);
    bad(dir, "unknown-root-key", body, 3, "unknown key \"optimizer\"");
    bad(dir, "no-layers", "", 1, "missing \"layers\"");
    rmdir(dir);

    if (model_load(&m, "/nonexistent/model.cfg", err, sizeof err) == 0 ||
        !strstr(err, "/nonexistent/model.cfg")) {
        printf("missing file: FAIL\n");
        fail = 1;
    }
    /* strings work too (bench's built-in model) and name the pseudo-file */
    if (model_load_string(&m, "name = 1;", "builtin.cfg", err, sizeof err) == 0 ||
        !strstr(err, "builtin.cfg:1")) {
        printf("string source: FAIL (%s)\n", err);
        fail = 1;
    }
    printf("%s\n", fail ? "FAILED" : "config loader ok");
    return fail;
}

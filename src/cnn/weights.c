/* weights: HDF5 save/load of a model's parameters. See weights.h. */
#include "cnn/weights.h"

#include "common/h5io.h"
#include "common/h5diag.h"
#include "common/version.h"

#include <stdio.h>
#include <string.h>

static int layer_dims(const layer *l, hsize_t *d) {
    d[0] = (hsize_t)l->out_c;
    if (l->kind == LAYER_CONV) {
        d[1] = (hsize_t)l->in_c;
        d[2] = d[3] = 3;
        return 4;
    }
    d[1] = (hsize_t)l->in_c;
    return 2;
}

int weights_save(const model *m, const char *path, const char *class_names, char *err, size_t errlen) {
    char tmp[4200], name[64];
    hid_t f = h5io_create_tmp(path, tmp, sizeof tmp, "weights", err, errlen);
    if (f < 0) return -1;
    int32_t shape[3] = {m->in_c, m->in_h, m->in_w};
    int bad = h5io_attr_str(f, "format", "platbench-cnn-weights") || h5io_attr_i32(f, "format_version", 1) ||
              h5io_attr_str(f, "model_name", m->name) ||
              h5io_attr_str(f, "class_names", class_names ? class_names : "") ||
              h5io_attr_i32_array(f, "input_shape", shape, 3) ||
              h5io_attr_i64(f, "n_params", (int64_t)m->n_params) ||
              h5io_attr_str(f, "platbench_version", PLATBENCH_VERSION) ||
              h5io_attr_str(f, "git_commit", PLATBENCH_GIT_COMMIT);
    for (int i = 0; i < m->n_layers && !bad; i++) {
        const layer *l = &m->layers[i];
        if (l->kind == LAYER_MAXPOOL) continue;
        hsize_t d[4], db = (hsize_t)l->out_c;
        int r = layer_dims(l, d);
        snprintf(name, sizeof name, "%s/weight", l->name);
        bad = h5io_write_f32(f, name, l->w, r, d);
        snprintf(name, sizeof name, "%s/bias", l->name);
        bad = bad || h5io_write_f32(f, name, l->b, 1, &db);
    }
    return h5io_commit(f, tmp, path, "weights", bad, err, errlen);
}

int weights_load(model *m, const char *path, char *class_names, size_t cn_len, char *err, size_t errlen) {
    char name[64], fmt[64] = "", msg[512], why[400];
    h5io_quiet();
    if (class_names && cn_len) class_names[0] = 0;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        h5diag_message(why, sizeof why);
        snprintf(err, errlen,
                 "%s: cannot open as HDF5 (%s); expected a weights file written by train "
                 "--save-weights",
                 path, why);
        return -1;
    }
    int rc = -1;
    if (h5io_read_attr_str(f, "format", fmt, sizeof fmt) || strcmp(fmt, "platbench-cnn-weights")) {
        h5diag_message(why, sizeof why);
        if (*why)
            snprintf(err, errlen, "%s: damaged: attribute \"format\" of /: unreadable (%s)", path, why);
        else
            snprintf(err, errlen, "%s: not a platbench-cnn weights file (format attribute \"%s\")", path,
                     fmt);
        goto done;
    }
    int32_t shape[3];
    if (h5io_read_attr_i32_array(f, "input_shape", shape, 3) == 0 &&
        (shape[0] != m->in_c || shape[1] != m->in_h || shape[2] != m->in_w)) {
        snprintf(err, errlen, "%s: weights for input %dx%dx%d; model %s has %dx%dx%d", path, shape[0],
                 shape[1], shape[2], m->name, m->in_c, m->in_h, m->in_w);
        goto done;
    }
    /* every layer, so a damaged file gets one line per damaged dataset (whole lines only: the
     * last 200 bytes of err are kept for a count of those that did not fit) */
    size_t used = 0;
    int omitted = 0;
    char line[1024];
    for (int i = 0; i < m->n_layers; i++) {
        layer *l = &m->layers[i];
        if (l->kind == LAYER_MAXPOOL) continue;
        hsize_t d[4], db = (hsize_t)l->out_c;
        int r = layer_dims(l, d);
        for (int part = 0; part < 2; part++) {
            snprintf(name, sizeof name, "%s/%s", l->name, part ? "bias" : "weight");
            if (!h5io_read_f32(f, name, part ? l->b : l->w, part ? 1 : r, part ? &db : d, msg, sizeof msg))
                continue;
            h5diag_message(why, sizeof why);
            int k = *why ? snprintf(line, sizeof line, "%s%s: damaged: dataset /%s: unreadable (%s)",
                                    used ? "\n" : "", path, name, why)
                         : snprintf(line, sizeof line, "%s%s: %s", used ? "\n" : "", path, msg);
            if (k > 0 && (size_t)k < sizeof line && used + (size_t)k + 200 < errlen) {
                memcpy(err + used, line, (size_t)k + 1);
                used += (size_t)k;
            } else {
                omitted++;
            }
        }
    }
    if (omitted && errlen > used + 1)
        snprintf(err + used, errlen - used, "%s%.80s: damaged: %d more dataset%s unreadable",
                 used ? "\n" : "", path, omitted, omitted == 1 ? "" : "s");
    if (used || omitted) goto done;
    if (class_names && cn_len) h5io_read_attr_str(f, "class_names", class_names, cn_len);
    rc = 0;
done:
    H5Fclose(f);
    return rc;
}

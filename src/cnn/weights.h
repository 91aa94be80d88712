/* weights: a model's parameters in an HDF5 file that NumPy (h5py) and PyTorch read directly.
 *
 * Layout (format "platbench-cnn-weights", format_version 1):
 *   /<layer>/weight  float32, conv: (out, in, 3, 3); dense: (out, in), in in (c, h, w) order
 *   /<layer>/bias    float32, (out,)
 *   layer names as in model.h: conv1_1, conv1_2, ..., dense1, dense2, ...
 *   root attributes: format, format_version (int32), model_name, class_names
 *   (comma-separated, label order), input_shape (int32 [c, h, w]), n_params (int64),
 *   platbench_version, git_commit.
 * In PyTorch: conv.weight.copy_(torch.from_numpy(f["conv1_1/weight"][...])), same for
 * Linear (weight is (out, in) in both).
 *
 * API
 *   weights_save(m, path, class_names, err, n)  written to path.tmp then renamed; 0, -1, or
 *                                               H5IO_NOSPACE (disk full, quota), + err
 *   weights_load(m, path, class_names, cn_len, err, n)   m loaded and allocated (model_alloc);
 *        every layer's shapes must match; class_names gets the stored list ("" if none)
 */
#ifndef PB_WEIGHTS_H
#define PB_WEIGHTS_H
#include <stddef.h>

#include "cnn/model.h"

int weights_save(const model *m, const char *path, const char *class_names, char *err, size_t errlen);
int weights_load(model *m, const char *path, char *class_names, size_t cn_len, char *err, size_t errlen);

#endif

/* dataset: the images a training reads, from either
 *   (a) an image folder in the study's layout DIR/{train,valid,test}/<class>/<name>.{jpg,jpeg,png}
 *       (any size, grey or colour; resized to the model's input; class names from
 *       DIR/classes.txt, one per line in label order, else the sorted folder names; every
 *       entry of a class folder must be a decodable image, else the load fails naming it), or
 *   (b) Fashion-MNIST IDX files (DIR/train-images-idx3-ubyte[.gz], ...; Debian's
 *       dataset-fashion-mnist installs them in /usr/share/datasets/fashion-mnist),
 * and the writer of the study's stand-in data set (dataset_write_standin).
 *
 * Pixels are kept as uint8 (raw 0..255, as the study feeds them), layout
 * (n, c, h, w); dataset_batch() converts a batch to float for the network.
 * Errors name the offending file and what was expected.
 */
#ifndef PB_DATASET_H
#define PB_DATASET_H
#include <stddef.h>
#include <stdint.h>

#define DATASET_MAX_CLASSES 64

typedef struct dataset_split {
    int n;           /* number of images */
    int c, h, w;     /* shape of one image (same for every split) */
    uint8_t *pixels; /* (n, c, h, w), raw 0..255; owned */
    int *labels;     /* (n,), 0..n_classes-1; owned */
    char **paths;    /* (n,) source file of each image (NULL entries for IDX data); owned */
} dataset_split;

typedef struct dataset {
    dataset_split train, valid, test;       /* the three splits of the study */
    int n_classes;                          /* number of classes */
    char *class_names[DATASET_MAX_CLASSES]; /* label -> name; owned */
    char source[32];                        /* "image-folder" or "idx" */
} dataset;

typedef struct dataset_options {
    int c, h, w;       /* shape the model wants; images are resized/converted to it */
    int max_per_split; /* IDX only: cap on images per split (0: all); image folders load all */
    int idx_classes;   /* IDX only: keep labels < idx_classes (0: all 10) */
} dataset_options;

/* Loads the data set at path (folder of either kind, detected by its contents).
 * Returns 0, or non-zero with a message naming the file in err; ds is then empty. */
int dataset_load(dataset *ds, const char *path, const dataset_options *opt, char *err, size_t errlen);

/* Frees everything ds owns and zeroes it. Safe on a zeroed or half-loaded ds. */
void dataset_free(dataset *ds);

/* Converts images idx[0..n-1] of split to float (n, c, h, w) in out (caller-owned,
 * n*c*h*w floats) and copies their labels to labels_out (n ints). */
void dataset_batch(const dataset_split *split, const int *idx, int n, float *out, int *labels_out);

/* Loads one image file (JPEG or PNG) resized to c x h x w into out (caller-owned,
 * c*h*w floats, raw 0..255), for `platbench-cnn classify`. 0 or non-zero + err. */
int dataset_load_image(const char *path, int c, int h, int w, float *out, char *err, size_t errlen);

/* Writes the study's stand-in data set from Fashion-MNIST IDX files in idx_dir:
 * 4 classes (classes.txt: face, body, hand, nothing, mapped from Fashion-MNIST
 * classes), 1440 train / 45 valid / 45 test 224x224 RGB JPEGs in out_dir's
 * {train,valid,test}/{1,2,3,4}/ layout. Deterministic for a given seed.
 * Prints progress to stderr. 0 or non-zero + err. */
int dataset_write_standin(const char *out_dir, const char *idx_dir, uint64_t seed, char *err, size_t errlen);

#endif

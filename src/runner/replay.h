/* replay: `platbench replay FILE ID [-o NEW.h5] [--force]`, reruns one recorded experiment
 * exactly as recorded and says whether its curves are bit-identical to the recorded ones.
 *
 * What is taken from FILE: the campaign config text (so the platform and its options, the
 * workload argv, model, data set, steps, batch), the experiment's seed (checked against the
 * one the config gives row ID), its threads and its CPU list (the replay pins itself to the
 * same CPUs when this machine has them), and from the experiment's work folder
 * (FILE.d/eNNNN-aK/result.h5) the OpenBLAS core and conv kernel, set as OPENBLAS_CORETYPE and
 * PLATBENCH_CONV. The platform's image identity (docker image ID, SIF sha256, VM image sha256)
 * is asked of the runtime now and compared with the recorded one: a different image is
 * refused unless --force. The config's relative paths are resolved from the recorded config
 * file's folder (the file itself when its text is unchanged, else a copy of the recorded text
 * written there for the moment of parsing).
 *
 * The experiment runs through the runner (run.h: the same launch, CPU set, environment and
 * result reading as `platbench run`) into NEW.h5 (default FILE without .h5 + "-replay-ID.h5"),
 * a one-experiment results file whose row 0 is the replay of FILE's row ID.
 * Curves compared: train_loss, train_acc, val_loss, val_acc, lr (not elapsed_s).
 *
 * Exit status: 0 bit-identical; 1 different (first differing step, max abs / rel difference
 * per curve) or the replay failed; 2 bad input (FILE missing or damaged, ID out of range or
 * not finished, NEW exists) or refused (image changed, config no longer reproduces the row).
 *
 * API
 *   replay_main(argc, argv)   argv as given to platbench ("replay", FILE, ID, ...)
 */
#ifndef PB_REPLAY_H
#define PB_REPLAY_H

int replay_main(int argc, char **argv);

#endif

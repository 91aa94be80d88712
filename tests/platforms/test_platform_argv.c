/* test_platform_argv: the argv each platform builds, without running any runtime:
 * same-path mounts, read-only where asked, limits, environment, exe path, the VM's
 * control files (NUL-separated argv with awkward arguments), ssh quoting, and the
 * errors for inputs a runtime's syntax cannot carry. Exit 0 when every check passes. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platforms/platform.h"

static int fails;
#define CHECK(cond, ...)                                                                                     \
    do {                                                                                                     \
        if (cond) {                                                                                          \
            printf("ok   ");                                                                                 \
        } else {                                                                                             \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                      \
            fails++;                                                                                         \
        }                                                                                                    \
        printf(__VA_ARGS__);                                                                                 \
        printf("\n");                                                                                        \
    } while (0)

/* Fills pc from the kind's table (defaults) then the given key/value pairs. */
static void conf(platform_conf *pc, const platform_ops *ops, const char *const *kv) {
    memset(pc, 0, sizeof *pc);
    pc->name = pc->kind = ops->kind;
    for (const platform_option *o = ops->options; o->key; o++) {
        const char *v = o->default_val ? o->default_val : "";
        for (const char *const *p = kv; p && *p; p += 2)
            if (strcmp(p[0], o->key) == 0) v = p[1];
        pc->keys[pc->n_opts] = o->key;
        pc->values[pc->n_opts++] = v;
    }
}

static int has(const strv *v, const char *s) {
    for (size_t i = 0; i < v->len; i++)
        if (strcmp(v->items[i], s) == 0) return 1;
    return 0;
}

/* 1 if a and b appear consecutively */
static int has_pair(const strv *v, const char *a, const char *b) {
    for (size_t i = 0; i + 1 < v->len; i++)
        if (strcmp(v->items[i], a) == 0 && strcmp(v->items[i + 1], b) == 0) return 1;
    return 0;
}

static long index_of(const strv *v, const char *s) {
    for (size_t i = 0; i < v->len; i++)
        if (strcmp(v->items[i], s) == 0) return (long)i;
    return -1;
}

int main(void) {
    char dir[] = "/tmp/pb-test-argv-XXXXXX", err[1024], model[256], data[256], out[256];
    if (!mkdtemp(dir)) return 2;
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(model, sizeof model, "%s/model.cfg", dir);
    mkdir(data, 0755);
    mkdir(out, 0755);
    FILE *f = fopen(model, "w");
    if (f) fclose(f);
    const char *reads[] = {data, model, NULL};
    const char *wl[] = {"/host/bin/platbench-cnn", "train", "--seed", "3", "two words", "it's", "", NULL};
    launch_request rq = {wl, "platbench-cnn", reads, out, "c1-e0001-a1", 2, 1, NULL, 0};
    launch_request quiet = rq; /* a launch that does not ask for the markers */
    quiet.markers = 0;
    platform_conf pc;
    strv v;

    CHECK(platform_find("docker") && platform_find("singularity") && platform_find("vm") &&
              platform_find("bare"),
          "registry has bare, docker, singularity, vm");
    CHECK(platform_find("dockr") == NULL, "unknown kind -> NULL");

    /* docker */
    const platform_ops *d = platform_find("docker");
    const char *dkv[] = {"image", "platbench:local", "cpuset_cpus", "0", "cpus", "1.5", "memory", "1g", NULL};
    conf(&pc, d, dkv);
    strv_init(&v);
    int rc = d->build_argv(&pc, &rq, &v, err, sizeof err);
    CHECK(rc == 0, "docker argv builds (%s)", rc ? err : "");
    char m1[600], m2[600], m3[600];
    snprintf(m1, sizeof m1, "type=bind,source=%s,target=%s,readonly", data, data);
    snprintf(m2, sizeof m2, "type=bind,source=%s,target=%s,readonly", model, model);
    snprintf(m3, sizeof m3, "type=bind,source=%s,target=%s", out, out);
    CHECK(v.len > 0 && strcmp(v.items[0], "docker") == 0 && has_pair(&v, "--name", "c1-e0001-a1"),
          "docker: CLI first, container named after the launch id");
    CHECK(has_pair(&v, "--network", "none") && has(&v, "--read-only") && has(&v, "--rm"),
          "docker: no network, read-only root, --rm");
    CHECK(has_pair(&v, "--mount", m1) && has_pair(&v, "--mount", m2),
          "docker: read paths bound read-only at the same path");
    CHECK(has_pair(&v, "--mount", m3) && has_pair(&v, "--workdir", out),
          "docker: write folder bound read-write, cwd");
    CHECK(has_pair(&v, "--cpuset-cpus", "0") && has_pair(&v, "--cpus", "1.5") &&
              has_pair(&v, "--memory", "1g"),
          "docker: limits passed (cpuset \"0\" is a value, not \"none\")");
    CHECK(has_pair(&v, "-e", "OPENBLAS_NUM_THREADS=2") && has_pair(&v, "-e", "OMP_NUM_THREADS=2"),
          "docker: thread variables from the launch");
    CHECK(has_pair(&v, "-e", "PLATBENCH_MARKERS=1"),
          "docker: the markers are asked for with -e PLATBENCH_MARKERS=1");
    long im = index_of(&v, "platbench:local");
    CHECK(im > 0 && (size_t)im + 8 == v.len && strcmp(v.items[im + 1], "/usr/local/bin/platbench-cnn") == 0 &&
              strcmp(v.items[im + 5], "two words") == 0 && strcmp(v.items[im + 6], "it's") == 0 &&
              strcmp(v.items[v.len - 1], "") == 0,
          "docker: IMAGE /usr/local/bin/platbench-cnn then the arguments unchanged (last is \"\")");
    strv_free(&v);
    const char *dkv0[] = {"image", "x", NULL};
    conf(&pc, d, dkv0);
    strv_init(&v);
    rc = d->build_argv(&pc, &quiet, &v, err, sizeof err);
    CHECK(rc == 0 && has(&v, "--rm") && !has(&v, "--cpus") && !has(&v, "--cpuset-cpus") &&
              !has(&v, "--memory"),
          "docker: no limits by default (%s)", rc ? err : "argv built");
    CHECK(rc == 0 && !has_pair(&v, "-e", "PLATBENCH_MARKERS=1"),
          "docker: no PLATBENCH_MARKERS unless asked for");
    strv_free(&v);
    launch_request pinned = quiet; /* the runner's CPU set of the launch */
    pinned.cpus = "1";
    pinned.ncpus = 1;
    strv_init(&v);
    rc = d->build_argv(&pc, &pinned, &v, err, sizeof err);
    CHECK(rc == 0 && has_pair(&v, "--cpuset-cpus", "1"),
          "docker: the launch's CPU set becomes --cpuset-cpus");
    strv_free(&v);
    conf(&pc, d, dkv);
    strv_init(&v);
    rc = d->build_argv(&pc, &pinned, &v, err, sizeof err);
    CHECK(rc == 0 && has_pair(&v, "--cpuset-cpus", "0") && !has_pair(&v, "--cpuset-cpus", "1"),
          "docker: the campaign's cpuset_cpus wins over the launch's set");
    strv_free(&v);
    conf(&pc, d, dkv0);
    const char *badr[] = {"/data/a,b", NULL};
    launch_request bad = rq;
    bad.read_paths = badr;
    strv_init(&v);
    rc = d->build_argv(&pc, &bad, &v, err, sizeof err);
    CHECK(rc != 0 && strstr(err, "a,b"), "docker: a path with ',' is refused with its name (%s)", err);
    strv_free(&v);
    bad.read_paths = reads;
    bad.id = "";
    strv_init(&v);
    rc = d->build_argv(&pc, &bad, &v, err, sizeof err);
    CHECK(rc != 0, "docker: a launch without an id is refused (%s)", err);
    strv_free(&v);

    const char *nocli[] = {"image", "x", "cli", "no-such-docker-cli-xyz", NULL};
    conf(&pc, d, nocli);
    CHECK(d->check(&pc, err, sizeof err) != 0 && strstr(err, "not found") && strstr(err, "apt-get install"),
          "docker: check names a missing CLI and the fix (%s)", err);
    const char *nodaemon[] = {"image", "x", "cli", "/bin/false", NULL};
    conf(&pc, d, nodaemon);
    CHECK(d->check(&pc, err, sizeof err) != 0 && strstr(err, "daemon not reachable") &&
              strstr(err, "dockerd"),
          "docker: check reports an unreachable daemon and the fix (%s)", err);

    /* singularity (runtime given as a path that exists, so no PATH search is needed) */
    const platform_ops *s = platform_find("singularity");
    const char *skv[] = {"image", "/img/p.sif", "runtime", "/bin/true", NULL};
    conf(&pc, s, skv);
    strv_init(&v);
    rc = s->build_argv(&pc, &rq, &v, err, sizeof err);
    char b1[600], b3[600];
    snprintf(b1, sizeof b1, "%s:%s:ro", data, data);
    snprintf(b3, sizeof b3, "%s:%s", out, out);
    CHECK(rc == 0, "singularity argv builds (%s)", rc ? err : "");
    CHECK(v.len > 3 && strcmp(v.items[0], "/bin/true") == 0 && strcmp(v.items[1], "--quiet") == 0 &&
              strcmp(v.items[2], "exec") == 0 && has(&v, "--containall") && has(&v, "--cleanenv"),
          "singularity: RUNTIME --quiet exec --containall --cleanenv");
    CHECK(has_pair(&v, "--bind", b1) && has_pair(&v, "--bind", b3) && has_pair(&v, "--pwd", out),
          "singularity: binds at the same path (read-only for reads), --pwd");
    CHECK(has_pair(&v, "--env", "OPENBLAS_NUM_THREADS=2"), "singularity: thread count through --env");
    CHECK(has_pair(&v, "--env", "PLATBENCH_MARKERS=1"),
          "singularity: the markers are asked for through --env");
    CHECK(!has(&v, "--cpus"), "singularity: no --cpus unless limits = true");
    im = index_of(&v, "/img/p.sif");
    CHECK(im > 0 && strcmp(v.items[im + 1], "/usr/local/bin/platbench-cnn") == 0 &&
              strcmp(v.items[im + 2], "train") == 0,
          "singularity: SIF then in-image workload and its arguments");
    strv_free(&v);
    const char *skv2[] = {"image", "/img/p.sif", "runtime", "/bin/true", "limits", "true", "cpus", "1", NULL};
    conf(&pc, s, skv2);
    strv_init(&v);
    rc = s->build_argv(&pc, &rq, &v, err, sizeof err);
    CHECK(rc == 0 && has_pair(&v, "--cpus", "1"), "singularity: limits = true passes --cpus (%s)",
          rc ? err : "built");
    strv_free(&v);
    const char *badc[] = {"/data/a:b", NULL};
    bad = rq;
    bad.read_paths = badc;
    strv_init(&v);
    rc = s->build_argv(&pc, &bad, &v, err, sizeof err);
    CHECK(rc != 0 && strstr(err, "a:b"), "singularity: a path with ':' is refused (%s)", err);
    strv_free(&v);
    const char *skv4[] = {"image", "/img/p.sif", "runtime", "/bin/true", "userns",
                          "yes",   "unsquash",   "yes",     NULL};
    conf(&pc, s, skv4);
    strv_init(&v);
    rc = s->build_argv(&pc, &rq, &v, err, sizeof err);
    im = index_of(&v, "/img/p.sif");
    CHECK(rc == 0 && index_of(&v, "--userns") > 2 && index_of(&v, "--userns") < im &&
              index_of(&v, "--unsquash") > 2 && index_of(&v, "--unsquash") < im,
          "singularity: userns = yes, unsquash = yes -> exec --userns --unsquash before the image");
    strv_free(&v);
    const char *skv5[] = {"image", "/img/p.sif", "runtime", "/bin/true", "userns",
                          "no",    "unsquash",   "no",      NULL};
    conf(&pc, s, skv5);
    strv_init(&v);
    rc = s->build_argv(&pc, &rq, &v, err, sizeof err);
    CHECK(rc == 0 && !has(&v, "--userns") && !has(&v, "--unsquash"),
          "singularity: userns = no, unsquash = no -> neither");
    strv_free(&v);
    const char *skv6[] = {"image", "/img/p.sif", "runtime", "/bin/true", "userns", "maybe", NULL};
    conf(&pc, s, skv6);
    strv_init(&v);
    rc = s->build_argv(&pc, &rq, &v, err, sizeof err);
    CHECK(rc != 0 && strstr(err, "userns") && strstr(err, "maybe") && strstr(err, "\"auto\""),
          "singularity: userns = \"maybe\" is refused, naming the option and the choices (%s)", err);
    CHECK(s->check(&pc, err, sizeof err) != 0 && strstr(err, "maybe"),
          "singularity: check refuses it too (%s)", err);
    strv_free(&v);
    const char *skv3[] = {"image", "/img/p.sif", "runtime", "no-such-runtime-xyz", NULL};
    conf(&pc, s, skv3);
    CHECK(s->check(&pc, err, sizeof err) != 0 && strstr(err, "no-such-runtime-xyz"),
          "singularity: check names a missing runtime (%s)", err);

    /* vm, qemu mode (accel tcg: no KVM probe) */
    const platform_ops *vm = platform_find("vm");
    const char *vkv[] = {"accel",     "tcg",       "kernel", "/k/vmlinuz", "initrd",
                         "/k/initrd", "memory_mb", "512",    NULL};
    conf(&pc, vm, vkv);
    strv_init(&v);
    rc = vm->build_argv(&pc, &rq, &v, err, sizeof err);
    CHECK(rc == 0, "vm argv builds (%s)", rc ? err : "");
    CHECK(has_pair(&v, "-accel", "tcg,thread=multi") && has_pair(&v, "-smp", "2") &&
              has_pair(&v, "-m", "512") && has_pair(&v, "-kernel", "/k/vmlinuz") &&
              has_pair(&v, "-initrd", "/k/initrd"),
          "vm: tcg, vcpus = threads, memory, kernel, initrd");
    strv_free(&v);
    launch_request vpin = rq;
    vpin.cpus = "0";
    vpin.ncpus = 1;
    strv_init(&v);
    rc = vm->build_argv(&pc, &vpin, &v, err, sizeof err);
    CHECK(rc == 0 && has_pair(&v, "-smp", "1"), "vm: -smp = the size of the launch's CPU set");
    CHECK(has_pair(&v, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"),
          "vm: isa-debug-exit carries the status");
    CHECK(vm->exit_status && vm->exit_status(&pc, 0) == 0 && vm->exit_status(&pc, (1 << 1) | 1) == 1 &&
              vm->exit_status(&pc, (42 << 1) | 1) == 42 && vm->exit_status(&pc, 1) == 1,
          "vm: qemu's isa-debug-exit code (N << 1) | 1 maps back to the workload's status N; 1 (panic) stays "
          "1");
    int ro = 0, rw = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (strncmp(v.items[i], "local,id=pb", 11) == 0 && strstr(v.items[i], "readonly=on"))
            ro++;
        else if (strncmp(v.items[i], "local,id=pb", 11) == 0)
            rw++;
    }
    CHECK(ro == 2 && rw == 1, "vm: 2 read-only 9p shares, 1 read-write (the write folder) (got %d, %d)", ro,
          rw);
    CHECK(!has(&v, "train"), "vm: the workload's arguments are not on qemu's command line");
    /* the argv blob: hex of NUL-terminated fields */
    const char want[] = "/usr/local/bin/platbench-cnn\0train\0--seed\0"
                        "3\0two words\0it's\0";
    char hex[2 * sizeof want + 64] = "name=opt/platbench/argv,string=", *h = hex + strlen(hex);
    for (size_t i = 0; i < sizeof want; i++) h += sprintf(h, "%02x", (unsigned char)want[i]);
    CHECK(has_pair(&v, "-fw_cfg", hex),
          "vm: argv travels as fw_cfg opt/platbench/argv, hex of NUL-terminated fields");
    char mnt[1024] = "name=opt/platbench/mounts,string=", raw[600];
    int rl = snprintf(raw, sizeof raw, "pb0%c%s%crw%cdir%c", 0, out, 0, 0, 0);
    h = mnt + strlen(mnt);
    for (int i = 0; i < rl; i++) h += sprintf(h, "%02x", (unsigned char)raw[i]);
    int mounts_ok = 0;
    for (size_t i = 0; i < v.len; i++) mounts_ok |= strncmp(v.items[i], mnt, strlen(mnt)) == 0;
    CHECK(mounts_ok, "vm: mounts blob starts with the write folder (tag pb0, rw, dir)");
    const char mk[] = "PLATBENCH_MARKERS=1";
    char mkhex[2 * sizeof mk + 1], *mh = mkhex;
    for (size_t i = 0; i < sizeof mk; i++) mh += sprintf(mh, "%02x", (unsigned char)mk[i]);
    int env_ok = 0;
    for (size_t i = 0; i < v.len; i++)
        env_ok |= strncmp(v.items[i], "name=opt/platbench/env,string=", 30) == 0 && strstr(v.items[i], mkhex);
    CHECK(env_ok, "vm: PLATBENCH_MARKERS=1 travels in the fw_cfg env blob");
    struct stat st;
    char ctl[512];
    snprintf(ctl, sizeof ctl, "%s/vm-console-c1-e0001-a1.log", out);
    CHECK(stat(ctl, &st) != 0, "vm: build_argv writes nothing (plan-safe)");
    f = fopen(ctl, "w");
    if (f) {
        fputs("boot\nPLATBENCH_VM exit_status=0\n", f);
        fclose(f);
    }
    vm->cleanup(&pc, &rq);
    CHECK(stat(ctl, &st) != 0, "vm: cleanup removes the console log of a launch with status 0");
    f = fopen(ctl, "w");
    if (f) {
        fputs("boot\nPLATBENCH_VM exit_status=3\n", f);
        fclose(f);
    }
    vm->cleanup(&pc, &rq);
    CHECK(stat(ctl, &st) == 0, "vm: cleanup keeps the console log of a failed launch");
    unlink(ctl);
    launch_request later = rq;
    char notyet[300];
    snprintf(notyet, sizeof notyet, "%s/not-created-yet", out);
    later.write_dir = notyet;
    strv_free(&v);
    strv_init(&v);
    CHECK(vm->build_argv(&pc, &later, &v, err, sizeof err) == 0,
          "vm: a write folder not created yet is fine (plan)");
    strv_free(&v);
    bad = rq;
    bad.write_dir = NULL;
    strv_init(&v);
    CHECK(vm->build_argv(&pc, &bad, &v, err, sizeof err) != 0,
          "vm: a launch without a write folder is refused (%s)", err);
    strv_free(&v);
    const char *vkv2[] = {"accel", "warp", NULL};
    conf(&pc, vm, vkv2);
    strv_init(&v);
    CHECK(vm->build_argv(&pc, &rq, &v, err, sizeof err) != 0 && strstr(err, "warp"),
          "vm: bad accel refused (%s)", err);
    strv_free(&v);

    const char *noqemu[] = {"accel", "tcg", "qemu", "no-such-qemu-xyz", NULL};
    conf(&pc, vm, noqemu);
    CHECK(vm->check(&pc, err, sizeof err) != 0 && strstr(err, "qemu-system-x86"),
          "vm: check names a missing qemu and the package (%s)", err);
    const char *nokernel[] = {"accel", "tcg", "qemu", "/bin/true", "kernel", "/no/such/vmlinuz", NULL};
    conf(&pc, vm, nokernel);
    CHECK(vm->check(&pc, err, sizeof err) != 0 && strstr(err, "/no/such/vmlinuz") &&
              strstr(err, "build-images.sh"),
          "vm: check names a missing kernel and how to build it (%s)", err);

    /* vm, ssh mode: the remote side is a shell, every word is single-quoted; the remote
     * command is the last argv word (ssh would join several with spaces anyway) */
    const char *sshkv[] = {"mode", "ssh", "ssh_host", "user@vm1", "transfer", "shared", NULL};
    conf(&pc, vm, sshkv);
    strv_init(&v);
    rc = vm->build_argv(&pc, &rq, &v, err, sizeof err);
    const char *remote = rc == 0 && v.len ? v.items[v.len - 1] : "";
    CHECK(rc == 0 && strcmp(v.items[0], "ssh") == 0 && has_pair(&v, "-o", "BatchMode=yes") &&
              has_pair(&v, "--", "user@vm1") && has_pair(&v, "-o", "StrictHostKeyChecking=yes") &&
              has_pair(&v, "-o", "ConnectTimeout=10"),
          "vm ssh: ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=10 ... -- HOST");
    CHECK(strstr(remote, " '/host/bin/platbench-cnn' 'train'") &&
              strstr(remote, " 'two words' 'it'\\''s' ''") && strncmp(remote, "exec env ", 9) == 0,
          "vm ssh shared: words single-quoted for the remote shell, same paths (%s)", remote);
    CHECK(strstr(remote, " 'PLATBENCH_MARKERS=1'") && strstr(remote, " 'OPENBLAS_NUM_THREADS=2'"),
          "vm ssh: markers and thread variables through env (%s)", remote);
    strv_free(&v);
    {
        platform_conf sp;
        conf(&sp, vm, sshkv);
        CHECK(vm->exit_status(&sp, 3) == 3, "vm: ssh mode passes the remote status through unchanged");
    }
    /* transfer = "copy" (default): paths of the read paths / write folder mapped to the node's copies */
    char outres[300], dataeq[300];
    snprintf(outres, sizeof outres, "%s/result.h5", out);
    snprintf(dataeq, sizeof dataeq, "--data=%s", data);
    const char *wl2[] = {
        "/host/bin/platbench-cnn", "train", "--model", model, "--out", outres, dataeq, "it's", NULL};
    launch_request rq2 = {wl2, "platbench-cnn", reads, out, "c1-e0001-a1", 1, 1, NULL, 0};
    const char *sshcp[] = {"mode",        "ssh",      "ssh_host",   "vm1",      "ssh_port",
                           "2222",        "ssh_user", "pb",         "identity", "/k/id",
                           "known_hosts", "/k/kh",    "remote_dir", "/w/pb",    NULL};
    conf(&pc, vm, sshcp);
    strv_init(&v);
    rc = vm->build_argv(&pc, &rq2, &v, err, sizeof err);
    remote = rc == 0 && v.len ? v.items[v.len - 1] : "";
    CHECK(rc == 0 && has_pair(&v, "-p", "2222") && has_pair(&v, "-l", "pb") && has_pair(&v, "-i", "/k/id") &&
              has_pair(&v, "-o", "UserKnownHostsFile=/k/kh") && has_pair(&v, "--", "vm1"),
          "vm ssh: port, user, identity, known_hosts as ssh options");
    CHECK(strncmp(remote, "cd '/w/pb/run/c1-e0001-a1/w' && exec ", 37) == 0 &&
              strstr(remote,
                     " '/w/pb/run/c1-e0001-a1/bin/platbench-cnn' 'train' '--model' "
                     "'/w/pb/run/c1-e0001-a1/r1/model.cfg' '--out' '/w/pb/run/c1-e0001-a1/w/result.h5' "
                     "'--data=/w/pb/run/c1-e0001-a1/r0/data' 'it'\\''s'"),
          "vm ssh copy: exe, read paths (also --opt=PATH) and write folder mapped to remote_dir/run/ID (%s)",
          remote);
    strv_free(&v);
    const char *sshbadt[] = {"mode", "ssh", "ssh_host", "vm1", "transfer", "rsync", NULL};
    conf(&pc, vm, sshbadt);
    strv_init(&v);
    CHECK(vm->build_argv(&pc, &rq, &v, err, sizeof err) != 0 && strstr(err, "rsync") &&
              strstr(err, "copy or shared"),
          "vm ssh: a bad transfer is refused (%s)", err);
    strv_free(&v);
    /* ssh's own exit 255, told apart from the workload's failure */
    conf(&pc, vm, sshcp);
    char msg[512];
    CHECK(vm->failure_reason &&
              vm->failure_reason(&pc, 255, "x\npb@vm1: Permission denied (publickey).\n", msg, sizeof msg) ==
                  1 &&
              strstr(msg, "key refused") && strstr(msg, "vm1 port 2222"),
          "vm ssh: 255 + Permission denied -> key refused (%s)", msg);
    CHECK(vm->failure_reason(&pc, 255, "ssh: connect to host vm1 port 2222: Connection refused\n", msg,
                             sizeof msg) == 1 &&
              strstr(msg, "host down"),
          "vm ssh: 255 + Connection refused -> host down (%s)", msg);
    CHECK(vm->failure_reason(&pc, 255, "ssh: connect to host vm1 port 2222: Connection timed out\n", msg,
                             sizeof msg) == 1 &&
              strstr(msg, "timeout"),
          "vm ssh: 255 + timed out -> timeout (%s)", msg);
    CHECK(vm->failure_reason(&pc, 255, "Timeout, server vm1 not responding.\n", msg, sizeof msg) == 1 &&
              strstr(msg, "timeout"),
          "vm ssh: 255 + server not responding -> timeout (%s)", msg);
    CHECK(vm->failure_reason(&pc, 3, "Permission denied\n", msg, sizeof msg) == 0,
          "vm ssh: a workload's own exit 3 is not ssh's failure");
    {
        platform_conf qp;
        const char *q[] = {"accel", "tcg", NULL};
        conf(&qp, vm, q);
        CHECK(vm->failure_reason(&qp, 255, "Connection refused", msg, sizeof msg) == 0,
              "vm qemu mode: no ssh reasons");
    }
    const char *sshbad[] = {"mode", "ssh", "ssh_host", "-oProxyCommand=x", NULL};
    conf(&pc, vm, sshbad);
    strv_init(&v);
    CHECK(vm->build_argv(&pc, &rq, &v, err, sizeof err) != 0, "vm ssh: a host starting with '-' is refused");
    strv_free(&v);

    unlink(model);
    rmdir(data);
    rmdir(out);
    rmdir(dir);
    printf("%d failed\n", fails);
    return fails ? 1 : 0;
}

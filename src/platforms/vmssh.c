/* vmssh: the vm platform's ssh mode, with or without copying the data (see vmssh.h). */
#define _GNU_SOURCE /* GNU/POSIX extensions (pipe2) beyond -std=gnu11 */
#include "platforms/vmssh.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platforms/hostcmd.h"
#include "platforms/pfutil.h"

extern char **environ;

#define MAX_FILES 4096 /* files of all read paths of one launch (transfer = "copy") */

static const char *opt_or(const platform_conf *pc, const char *key, const char *fallback) {
    const char *v = platform_opt(pc, key);
    return v && *v ? v : fallback;
}

static int is_copy(const platform_conf *pc) { return strcmp(platform_opt_str(pc, "transfer"), "copy") == 0; }

/* ---- a growing string, for remote shell commands ---------------------------------------- */

typedef struct sbuf {
    char *s;    /* NUL-terminated text (NULL until the first append) */
    size_t len; /* bytes used */
    size_t cap; /* bytes allocated */
    int oom;    /* an append failed: the text is incomplete */
} sbuf;

static void sb_add(sbuf *b, const char *text, size_t n) {
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->len, text, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* Appends shell syntax written here (never a user value). */
static void sb_raw(sbuf *b, const char *text) { sb_add(b, text, strlen(text)); }

/* Appends v single-quoted for a POSIX shell ('it'\''s'), preceded by a space. */
static void sb_q(sbuf *b, const char *v) {
    sb_raw(b, " '");
    for (const char *p = v; *p; p++) {
        if (*p == '\'')
            sb_raw(b, "'\\''");
        else
            sb_add(b, p, 1);
    }
    sb_raw(b, "'");
}

/* Like sb_q for the concatenation of a and b (e.g. a remote folder and a name). */
static void sb_q2(sbuf *b, const char *a, const char *c) {
    size_t n = strlen(a) + strlen(c) + 1;
    char *t = malloc(n);
    if (!t) {
        b->oom = 1;
        return;
    }
    snprintf(t, n, "%s%s", a, c);
    sb_q(b, t);
    free(t);
}

/* ---- options and the ssh command ------------------------------------------------------ */

/* 0 if the ssh options make sense; else -1 with the reason. */
static int validate(const platform_conf *pc, char *err, size_t n) {
    const char *host = platform_opt_str(pc, "ssh_host"), *t = platform_opt_str(pc, "transfer");
    const char *strict = platform_opt_str(pc, "strict_host_key"), *kh = platform_opt_str(pc, "known_hosts");
    const char *rdir = platform_opt_str(pc, "remote_dir");
    long port = platform_opt_long(pc, "ssh_port");
    if (!*host || host[0] == '-' || strpbrk(host, " \t\n'\"\\")) {
        snprintf(
            err, n,
            "vm: mode ssh needs ssh_host = \"[user@]host\" (not starting with '-', no spaces or quotes)");
        return -1;
    }
    if (strcmp(t, "copy") != 0 && strcmp(t, "shared") != 0) {
        snprintf(err, n, "vm: transfer = \"%s\": expected copy or shared", t);
        return -1;
    }
    if (strcmp(strict, "yes") != 0 && strcmp(strict, "no") != 0 && strcmp(strict, "accept-new") != 0) {
        snprintf(err, n, "vm: strict_host_key = \"%s\": expected yes, accept-new or no", strict);
        return -1;
    }
    if (strpbrk(kh, " \t\n\"")) { /* ssh splits UserKnownHostsFile at blanks */
        snprintf(err, n, "vm: known_hosts = \"%s\": ssh cannot take a path with blanks or quotes here", kh);
        return -1;
    }
    if (port < 0 || port > 65535) {
        snprintf(err, n, "vm: ssh_port = %ld: expected 1..65535 (0: ssh's default)", port);
        return -1;
    }
    if (rdir[0] != '/' || strstr(rdir, "/../") || strcmp(rdir, "/") == 0) {
        snprintf(err, n, "vm: remote_dir = \"%s\": expected an absolute folder on the VM (not /)", rdir);
        return -1;
    }
    return 0;
}

/* Appends "ssh OPTIONS -- HOST" to out; 0, or -1 if out has failed (sticky). */
static int push_ssh(const platform_conf *pc, strv *out) {
    const char *kh = platform_opt_str(pc, "known_hosts"), *id = platform_opt_str(pc, "identity");
    const char *user = platform_opt_str(pc, "ssh_user");
    long port = platform_opt_long(pc, "ssh_port"), ct = platform_opt_long(pc, "connect_timeout");
    strv_pushl(out, platform_opt_str(pc, "ssh"), "-o", "BatchMode=yes", "-o", NULL);
    strv_pushf(out, "ConnectTimeout=%ld", ct > 0 ? ct : 10);
    strv_push(out, "-o");
    strv_pushf(out, "StrictHostKeyChecking=%s", platform_opt_str(pc, "strict_host_key"));
    /* a node that stops answering DURING a run (hung, paused, gone) ends it after
     * 3 unanswered keep-alives instead of at the campaign's timeout */
    strv_push(out, "-o");
    strv_pushf(out, "ServerAliveInterval=%ld", ct > 0 ? ct : 10);
    strv_pushl(out, "-o", "ServerAliveCountMax=3", NULL);
    if (*kh) {
        strv_push(out, "-o");
        strv_pushf(out, "UserKnownHostsFile=%s", kh);
    }
    if (*id) strv_pushl(out, "-i", id, "-o", "IdentitiesOnly=yes", NULL);
    if (port > 0) {
        strv_push(out, "-p");
        strv_pushf(out, "%ld", port);
    }
    if (*user) strv_pushl(out, "-l", user, NULL);
    strv_pushl(out, "--", platform_opt_str(pc, "ssh_host"), NULL);
    return strv_failed(out) ? -1 : 0;
}

/* "HOST" or "HOST port N", for messages. */
static void target(const platform_conf *pc, char *buf, size_t n) {
    long port = platform_opt_long(pc, "ssh_port");
    if (port > 0)
        snprintf(buf, n, "%s port %ld", platform_opt_str(pc, "ssh_host"), port);
    else
        snprintf(buf, n, "%s", platform_opt_str(pc, "ssh_host"));
}

/* Last non-empty line of text into out. */
static void last_line(const char *text, char *out, size_t n) {
    size_t len = strlen(text);
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ')) len--;
    size_t start = len;
    while (start && text[start - 1] != '\n') start--;
    snprintf(out, n, "%.*s", (int)(len - start), text + start);
}

int vmssh_failure_reason(const platform_conf *pc, int code, const char *text, char *msg, size_t n) {
    if (code != 255) return 0;
    static const struct {
        const char *needle; /* what ssh prints */
        const char *reason; /* what it means for the experiment */
    } known[] = {
        {"Permission denied", "key refused (check identity and the VM's authorized_keys)"},
        {"Too many authentication failures", "key refused (too many keys offered; set identity)"},
        {"Connection refused", "host down (connection refused: no sshd listening, VM not running)"},
        {"timed out", "timeout (no answer within connect_timeout: host unreachable or hung)"},
        {"not responding", "timeout (the node stopped answering during the run: 3 keep-alives lost)"},
        {"No route to host", "timeout (host unreachable: no route)"},
        {"Network is unreachable", "timeout (host unreachable: network unreachable)"},
        {"Host key verification failed", "host key not verified (add the VM's key to known_hosts)"},
        {"REMOTE HOST IDENTIFICATION HAS CHANGED", "host key changed (known_hosts has another key)"},
        {"Could not resolve hostname", "unknown host (name does not resolve)"},
        {"Connection closed", "connection closed by the VM (sshd refused or died)"},
        {"Connection reset", "connection reset (sshd or the VM went away)"},
        {"Broken pipe", "connection lost (broken pipe)"},
    };
    char where[300], ll[200];
    target(pc, where, sizeof where);
    if (!text) text = "";
    last_line(text, ll, sizeof ll);
    /* ssh's message is the end of stderr (LogLevel INFO, ssh's default: "Timeout, server ...
     * not responding" is an INFO line); the workload's earlier lines are not searched */
    size_t len = strlen(text);
    const char *end = len > 400 ? text + len - 400 : text;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strstr(end, known[i].needle)) {
            snprintf(msg, n, "ssh %s: %s; ssh: %s", where, known[i].reason, ll);
            return 1;
        }
    snprintf(msg, n, "ssh %s: exit 255 (ssh failed, or the workload itself exited 255); stderr: %s", where,
             ll);
    return 1;
}

/* Runs `ssh ... HOST CMD` (CMD one remote shell command) with stdin from in_fd and stdout
 * to out_fd (-1: /dev/null / captured in r->out). 0 if it exited 0; else -1 with what went
 * wrong in err (doing: what this step was for). */
static int ssh_run(const platform_conf *pc, const char *doing, const char *cmd, int in_fd, int out_fd,
                   int timeout_ms, hostcmd_result *r, char *err, size_t n) {
    strv argv;
    strv_init(&argv);
    char e[512] = "";
    int rc = -1;
    push_ssh(pc, &argv);
    if (strv_push(&argv, cmd)) {
        snprintf(err, n, "vm: out of memory building the ssh command");
        goto done;
    }
    if (hostcmd_run_io((const char *const *)argv.items, in_fd, out_fd, timeout_ms, r, e, sizeof e)) {
        char where[300];
        target(pc, where, sizeof where);
        snprintf(err, n, "%s: ssh %s: %s", doing, where, e);
        goto done;
    }
    if (r->status != 0) {
        char why[700], ll[200];
        if (vmssh_failure_reason(pc, r->status, r->errout, why, sizeof why)) {
            snprintf(err, n, "%s: %s", doing, why);
        } else {
            last_line(r->errout, ll, sizeof ll);
            snprintf(err, n, "%s: remote command failed (exit %d): %s", doing, r->status, ll);
        }
        goto done;
    }
    rc = 0;
done:
    strv_free(&argv);
    return rc;
}

/* ---- check / describe ------------------------------------------------------------------ */

int vmssh_check(const platform_conf *pc, char *why, size_t whylen) {
    char path[4096], e[1024];
    const char *ssh = platform_opt_str(pc, "ssh"), *id = platform_opt_str(pc, "identity");
    hostcmd_result r;
    if (validate(pc, why, whylen)) return -1;
    if (hostcmd_which(ssh, path, sizeof path)) {
        snprintf(why, whylen, "vm: %s not found; apt-get install openssh-client", ssh);
        return -1;
    }
    if (*id && access(id, R_OK) != 0) {
        snprintf(why, whylen, "vm: identity \"%s\": %s", id, strerror(errno));
        return -1;
    }
    sbuf cmd = {0};
    if (is_copy(pc)) { /* the copies go there: it must be writable */
        sb_raw(&cmd, "mkdir -p");
        sb_q2(&cmd, platform_opt_str(pc, "remote_dir"), "/cache");
        sb_raw(&cmd, " && test -w");
        sb_q2(&cmd, platform_opt_str(pc, "remote_dir"), "/cache");
    } else {
        sb_raw(&cmd, "true");
    }
    long ct = platform_opt_long(pc, "connect_timeout");
    int rc = cmd.oom ? -1
                     : ssh_run(pc, "vm: check", cmd.s, -1, -1, (int)(ct > 0 ? ct : 10) * 1000 + 20000, &r, e,
                               sizeof e);
    if (cmd.oom) snprintf(e, sizeof e, "vm: out of memory");
    if (rc) snprintf(why, whylen, "%s", e);
    free(cmd.s);
    return rc;
}

int vmssh_describe(const platform_conf *pc, platform_info *info, char *err, size_t errlen) {
    hostcmd_result r;
    char e[1024], where[300];
    memset(info, 0, sizeof *info);
    if (validate(pc, err, errlen)) return -1;
    if (ssh_run(pc, "vm: describe", "uname -sr", -1, -1, 30000, &r, e, sizeof e)) {
        snprintf(err, errlen, "%s", e);
        return -1;
    }
    target(pc, where, sizeof where);
    snprintf(info->runtime_version, sizeof info->runtime_version, "ssh to %.100s (%.120s)", where, r.out);
    snprintf(info->detail, sizeof info->detail, "mode ssh; transfer %s; workload %.150s",
             platform_opt_str(pc, "transfer"),
             opt_or(pc, "exe", is_copy(pc) ? "(copied from the host)" : "(host path)"));
    return 0;
}

/* ---- remote paths (transfer = "copy") ----------------------------------------------------- */

/* REMOTE/run/ID into buf; -1 if it does not fit or the id is not name-safe. */
static int run_dir(const platform_conf *pc, const launch_request *rq, char *buf, size_t n) {
    if (!rq->id || !*rq->id || strchr(rq->id, '/') || strcmp(rq->id, "..") == 0 || strcmp(rq->id, ".") == 0)
        return -1;
    return snprintf(buf, n, "%s/run/%s", platform_opt_str(pc, "remote_dir"), rq->id) >= (int)n ? -1 : 0;
}

static const char *base_name(const char *p) {
    const char *s = strrchr(p, '/');
    return s && s[1] ? s + 1 : p;
}

/* If arg is host path p or below it, the remote equivalent (remote + the rest) into out: 1. */
static int remap(const char *arg, const char *p, const char *remote, char *out, size_t n) {
    size_t k = strlen(p);
    while (k > 1 && p[k - 1] == '/') k--;
    if (strncmp(arg, p, k) != 0 || (arg[k] != '\0' && arg[k] != '/')) return 0;
    snprintf(out, n, "%s%s", remote, arg + k);
    return 1;
}

/* arg with host read paths / write folder replaced by their remote copies (also the
 * VALUE of "--opt=VALUE"); out gets arg unchanged otherwise. 0, or -1 if too long. */
static int map_arg(const launch_request *rq, const char *run, const char *arg, char *out, size_t n) {
    const char *eq = arg[0] == '-' ? strchr(arg, '=') : NULL;
    const char *val = eq ? eq + 1 : arg;
    char remote[4200], mapped[8500];
    int hit = 0;
    snprintf(remote, sizeof remote, "%s/w", run);
    if (rq->write_dir) hit = remap(val, rq->write_dir, remote, mapped, sizeof mapped);
    for (int k = 0; !hit && rq->read_paths && rq->read_paths[k]; k++) {
        snprintf(remote, sizeof remote, "%s/r%d/%s", run, k, base_name(rq->read_paths[k]));
        hit = remap(val, rq->read_paths[k], remote, mapped, sizeof mapped);
    }
    int len = hit ? snprintf(out, n, "%.*s%s", (int)(val - arg), arg, mapped) : snprintf(out, n, "%s", arg);
    return len < 0 || (size_t)len >= n ? -1 : 0; /* a cut path would name another file */
}

int vmssh_build_argv(const platform_conf *pc, const launch_request *rq, strv *out, char *err, size_t errlen) {
    char run[4096], exe[8300], a[8600];
    if (validate(pc, err, errlen)) return -1;
    int copy = is_copy(pc);
    if (copy && run_dir(pc, rq, run, sizeof run)) {
        snprintf(err, errlen, "vm: launch id \"%s\" is not name-safe", rq->id ? rq->id : "");
        return -1;
    }
    if (*platform_opt_str(pc, "exe"))
        snprintf(exe, sizeof exe, "%s", platform_opt_str(pc, "exe"));
    else if (copy)
        snprintf(exe, sizeof exe, "%s/bin/%s", run, base_name(rq->workload_argv[0]));
    else
        snprintf(exe, sizeof exe, "%s", rq->workload_argv[0]);
    strv env;
    strv_init(&env);
    sbuf cmd = {0};
    int rc = -1;
    if (push_ssh(pc, out) || pfutil_env(pc, rq, &env)) goto oom;
    if (copy) {
        sb_raw(&cmd, " cd");
        sb_q2(&cmd, run, "/w");
        sb_raw(&cmd, " &&");
    }
    sb_raw(&cmd, " exec");
    if (env.len) sb_raw(&cmd, " env");
    for (size_t i = 0; i < env.len; i++) sb_q(&cmd, env.items[i]);
    sb_q(&cmd, exe);
    for (const char *const *w = rq->workload_argv + 1; *w; w++) {
        if (!copy) {
            sb_q(&cmd, *w);
        } else if (map_arg(rq, run, *w, a, sizeof a)) {
            snprintf(err, errlen, "vm: argument \"%.200s\" too long once mapped to the VM's folders", *w);
            goto done;
        } else {
            sb_q(&cmd, a);
        }
    }
    if (cmd.oom || strv_push(out, cmd.s + 1)) goto oom; /* +1: the leading space */
    rc = 0;
    goto done;
oom:
    snprintf(err, errlen, "vm: out of memory building the command");
done:
    strv_free(&env);
    free(cmd.s);
    return rc;
}

/* ---- stage in ---------------------------------------------------------------------------- */

/* sha256 of host files, remembered by (path, size, mtime) so a data set is hashed once per
 * process, not once per experiment. */
static struct {
    char path[1024];    /* host file ("" = free slot) */
    long long size;     /* st_size when hashed */
    long long mtime_ns; /* st_mtim when hashed */
    char hex[65];       /* its sha256 */
} hash_cache[64];
static int hash_next; /* next slot to replace */

static int file_sha256(const char *path, const struct stat *st, char hex[65], char *err, size_t n) {
    long long mt = (long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
    for (int i = 0; i < 64; i++)
        if (strcmp(hash_cache[i].path, path) == 0 && hash_cache[i].size == (long long)st->st_size &&
            hash_cache[i].mtime_ns == mt) {
            memcpy(hex, hash_cache[i].hex, 65);
            return 0;
        }
    if (hostcmd_sha256(path, hex, err, n)) return -1;
    if (strlen(path) < sizeof hash_cache[0].path) {
        int i = hash_next++ % 64;
        snprintf(hash_cache[i].path, sizeof hash_cache[i].path, "%s", path);
        hash_cache[i].size = (long long)st->st_size;
        hash_cache[i].mtime_ns = mt;
        memcpy(hash_cache[i].hex, hex, 65);
    }
    return 0;
}

typedef struct stage_list {
    strv local;      /* host file paths */
    strv remote;     /* their remote paths (links into the cache) */
    strv hash;       /* their sha256 */
    strv dirs;       /* remote folders to create */
    long long bytes; /* total size */
} stage_list;

static int add_file(stage_list *l, const char *local, const char *remote, char *err, size_t n) {
    struct stat st;
    char hex[65];
    if (stat(local, &st) != 0) {
        snprintf(err, n, "vm: %s: %s", local, strerror(errno));
        return -1;
    }
    if (l->local.len >= MAX_FILES) {
        snprintf(err, n, "vm: more than %d files to copy (transfer = \"copy\"); use transfer = \"shared\"",
                 MAX_FILES);
        return -1;
    }
    if (file_sha256(local, &st, hex, err, n)) return -1;
    strv_push(&l->local, local);
    strv_push(&l->remote, remote);
    strv_push(&l->hash, hex);
    if (strv_failed(&l->local) || strv_failed(&l->remote) || strv_failed(&l->hash)) {
        snprintf(err, n, "vm: out of memory");
        return -1;
    }
    l->bytes += (long long)st.st_size;
    return 0;
}

/* Adds host path local (a file, or a folder walked recursively) as remote. */
static int add_path(stage_list *l, const char *local, const char *remote, int depth, char *err, size_t n) {
    struct stat st;
    if (stat(local, &st) != 0) {
        snprintf(err, n, "vm: read path %s: %s", local, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) return S_ISREG(st.st_mode) ? add_file(l, local, remote, err, n) : 0;
    if (depth > 32) {
        snprintf(err, n, "vm: %s: folders nested too deep", local);
        return -1;
    }
    if (strv_push(&l->dirs, remote)) {
        snprintf(err, n, "vm: out of memory");
        return -1;
    }
    DIR *d = opendir(local);
    if (!d) {
        snprintf(err, n, "vm: %s: %s", local, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (struct dirent *de; rc == 0 && (de = readdir(d));) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        char *lp = NULL, *rp = NULL;
        if (asprintf(&lp, "%s/%s", local, de->d_name) < 0 || asprintf(&rp, "%s/%s", remote, de->d_name) < 0) {
            snprintf(err, n, "vm: out of memory");
            rc = -1;
        } else {
            rc = add_path(l, lp, rp, depth + 1, err, n);
        }
        free(lp);
        free(rp);
    }
    closedir(d);
    return rc;
}

static void stage_list_free(stage_list *l) {
    strv_free(&l->local);
    strv_free(&l->remote);
    strv_free(&l->hash);
    strv_free(&l->dirs);
}

/* Lists what a launch copies: the run's folders, every file of the read paths and, unless
 * option exe names one in the VM, the workload. 0, or -1 with the reason in err. */
static int stage_collect(const platform_conf *pc, const launch_request *rq, const char *run, stage_list *l,
                         char *err, size_t errlen) {
    char remote[8400];
    strv_pushf(&l->dirs, "%s/w", run);
    strv_pushf(&l->dirs, "%s/bin", run);
    for (int k = 0; rq->read_paths && rq->read_paths[k]; k++) {
        snprintf(remote, sizeof remote, "%s/r%d/%s", run, k, base_name(rq->read_paths[k]));
        strv_pushf(&l->dirs, "%s/r%d", run, k);
        if (add_path(l, rq->read_paths[k], remote, 0, err, errlen)) return -1;
    }
    if (!*platform_opt_str(pc, "exe")) {
        snprintf(remote, sizeof remote, "%s/bin/%s", run, base_name(rq->workload_argv[0]));
        if (add_file(l, rq->workload_argv[0], remote, err, errlen)) return -1;
    }
    if (strv_failed(&l->dirs)) {
        snprintf(err, errlen, "vm: out of memory");
        return -1;
    }
    return 0;
}

/* One remote command: the folders, links (to cache entries that may not exist yet), and the
 * checksums the cache lacks, at most 50 per answer (hostcmd keeps 4 KiB of output). */
static void stage_cache_cmd(const stage_list *l, const char *cache, sbuf *cmd) {
    char remote[8400];
    sb_raw(cmd, "mkdir -p");
    sb_q(cmd, cache);
    for (size_t i = 0; i < l->dirs.len; i++) sb_q(cmd, l->dirs.items[i]);
    for (size_t i = 0; i < l->local.len; i++) {
        sb_raw(cmd, " && ln -sf");
        snprintf(remote, sizeof remote, "%s/%s", cache, l->hash.items[i]);
        sb_q(cmd, remote);
        sb_q(cmd, l->remote.items[i]);
    }
    sb_raw(cmd, " && cd");
    sb_q(cmd, cache);
    sb_raw(cmd, " && n=0 && for h in");
    for (size_t i = 0; i < l->hash.len; i++) sb_q(cmd, l->hash.items[i]);
    sb_raw(cmd, "; do [ -f \"$h\" ] || { echo \"$h\"; n=$((n+1)); [ $n -lt 50 ] || break; }; done");
}

/* Copies host file local into the VM's cache as HASH: cat > cache/HASH.part-ID, then renamed.
 * 0, or -1 with the reason in err. */
static int stage_copy(const platform_conf *pc, const launch_request *rq, const char *cache, const char *local,
                      const char *h, int ct_ms, char *err, size_t errlen) {
    struct stat st;
    hostcmd_result r;
    int fd = open(local, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: %s", local, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    char part[4400], final[4400], doing[4300];
    snprintf(part, sizeof part, "%s/%s.part-%s", cache, h, rq->id);
    snprintf(final, sizeof final, "%s/%s", cache, h);
    snprintf(doing, sizeof doing, "copying %s", local);
    sbuf up = {0};
    sb_raw(&up, "cat >");
    sb_q(&up, part);
    sb_raw(&up, " && chmod 755");
    sb_q(&up, part);
    sb_raw(&up, " && mv -f");
    sb_q(&up, part);
    sb_q(&up, final);
    /* a generous transfer budget: at least 256 KiB/s */
    int limit = ct_ms + 60000 + (int)(st.st_size / 262);
    int bad = up.oom || ssh_run(pc, doing, up.s, fd, -1, limit, &r, err, errlen);
    close(fd);
    if (up.oom) snprintf(err, errlen, "vm: out of memory");
    free(up.s);
    return bad ? -1 : 0;
}

int vmssh_stage_in(const platform_conf *pc, const launch_request *rq, char *err, size_t errlen) {
    if (!is_copy(pc)) return 0;
    if (validate(pc, err, errlen)) return -1;
    char run[4096], cache[4200];
    if (run_dir(pc, rq, run, sizeof run)) {
        snprintf(err, errlen, "vm: launch id \"%s\" is not name-safe", rq->id ? rq->id : "");
        return -1;
    }
    snprintf(cache, sizeof cache, "%s/cache", platform_opt_str(pc, "remote_dir"));
    stage_list l;
    memset(&l, 0, sizeof l);
    strv_init(&l.local);
    strv_init(&l.remote);
    strv_init(&l.hash);
    strv_init(&l.dirs);
    sbuf cmd = {0};
    strv missing; /* checksums the VM's cache lacks */
    strv_init(&missing);
    hostcmd_result r;
    long ct = platform_opt_long(pc, "connect_timeout");
    int ct_ms = (int)(ct > 0 ? ct : 10) * 1000, rc = stage_collect(pc, rq, run, &l, err, errlen);
    if (rc == 0) {
        stage_cache_cmd(&l, cache, &cmd);
        if (cmd.oom) {
            snprintf(err, errlen, "vm: out of memory building the stage-in command");
            rc = -1;
        }
    }
    do { /* list what the cache lacks, copy each missing file once; again while 50 came back */
        strv_free(&missing);
        if (rc ||
            (rc = ssh_run(pc, "checking the cache on the VM", cmd.s, -1, -1, ct_ms + 60000, &r, err, errlen)))
            break;
        for (char *save = NULL, *h = strtok_r(r.out, "\n", &save); h; h = strtok_r(NULL, "\n", &save))
            strv_push(&missing, h);
        if (strv_failed(&missing)) {
            snprintf(err, errlen, "vm: out of memory building the stage-in command");
            rc = -1;
        }
        for (size_t m = 0; rc == 0 && m < missing.len; m++) {
            const char *h = missing.items[m];
            size_t i = 0, dup = 0;
            while (i < l.hash.len && strcmp(l.hash.items[i], h) != 0) i++;
            while (dup < m && strcmp(missing.items[dup], h) != 0) dup++;
            if (i == l.hash.len || dup < m) continue; /* not ours / two files with the same content */
            rc = stage_copy(pc, rq, cache, l.local.items[i], h, ct_ms, err, errlen);
        }
    } while (rc == 0 && missing.len >= 50);
    stage_list_free(&l);
    strv_free(&missing);
    free(cmd.s);
    return rc ? -1 : 0;
}

/* ---- stage out --------------------------------------------------------------------------- */

int vmssh_stage_out(const platform_conf *pc, const launch_request *rq, char *err, size_t errlen) {
    if (!is_copy(pc)) return 0;
    if (validate(pc, err, errlen)) return -1;
    char run[4096];
    if (run_dir(pc, rq, run, sizeof run) || !rq->write_dir) {
        snprintf(err, errlen, "vm: launch id \"%s\" is not name-safe", rq->id ? rq->id : "");
        return -1;
    }
    /* remote: tar of the write folder on stdout, then the run folder removed (also on failure) */
    sbuf cmd = {0};
    sb_raw(&cmd, "cd");
    sb_q2(&cmd, run, "/w");
    sb_raw(&cmd, " && tar -cf - .; s=$?; cd / && rm -rf");
    sb_q(&cmd, run);
    sb_raw(&cmd, "; exit $s");
    if (cmd.oom) {
        snprintf(err, errlen, "vm: out of memory");
        return -1;
    }
    /* local: tar -x into the write folder, fed by ssh's stdout through a pipe (no shell) */
    int p[2];
    if (pipe2(p, O_CLOEXEC)) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        free(cmd.s);
        return -1;
    }
    const char *tar[] = {"tar", "-x", "-f",          "-", "--no-same-owner", "--no-same-permissions",
                         "-m",  "-C", rq->write_dir, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[0], 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int e = posix_spawnp(&pid, "tar", &fa, NULL, (char *const *)tar, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[0]);
    if (e) {
        snprintf(err, errlen, "cannot run tar: %s", strerror(e));
        close(p[1]);
        free(cmd.s);
        return -1;
    }
    hostcmd_result r;
    long ct = platform_opt_long(pc, "connect_timeout");
    int rc = ssh_run(pc, "fetching the write folder", cmd.s, -1, p[1],
                     (int)(ct > 0 ? ct : 10) * 1000 + 600000, &r, err, errlen);
    close(p[1]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (!rc && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
        snprintf(err, errlen, "tar -x into %s failed (status %d)", rq->write_dir,
                 WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        rc = -1;
    }
    free(cmd.s);
    return rc;
}

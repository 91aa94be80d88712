/* runner: the platbench CLI (see runner.h). */
#define _GNU_SOURCE
#include "runner/runner.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "runner/campaign.h"
#include "runner/claim.h"
#include "runner/compare.h"
#include "runner/cpuset.h"
#include "runner/hostlist.h"
#include "runner/iosafe.h"
#include "runner/replay.h"
#include "runner/report.h"
#include "runner/space.h"
#include "common/exit_codes.h"
#include "common/fsspace.h"
#include "common/mpi_check.h"
#include "runner/run.h"
#include "common/version.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "usage:\n"
            "  platbench plan CFG [--ranks-per-host N]  validate CFG; the CPUs each experiment gets with N\n"
            "                                     ranks per host (refused when oversubscribed); every\n"
            "                                     experiment with its argv\n"
            "                                     and whether this machine can run each platform\n"
            "  mpirun -n N platbench run CFG [-o FILE] [--force-resume] [--force] [--no-space-check]\n"
            "                                     run (or resume) the campaign into one HDF5 file\n"
            "  platbench status FILE              done/failed/remaining counts (also while running)\n"
            "  platbench report FILE              best run and summary per platform, vs bare metal\n"
            "  platbench compare A.h5 B.h5 [--out DIR]  two campaigns side by side: times B/A with CI,\n"
            "                                     curves per seed, provenance; exit 0 no change beyond\n"
            "                                     noise, 1 changed, 2 bad input / not comparable\n"
            "  platbench replay FILE ID [-o NEW.h5] [--force]  rerun experiment ID as recorded; exit 0\n"
            "                                     curves bit-identical, 1 different, 2 bad input/refused\n"
            "  platbench help config|platforms    reference of the campaign config / platform kinds\n"
            "  platbench version\n"
            "exit status: 0 ok, 1 failure (plan: refused, oversubscribed), 2 bad usage or bad\n"
            "             input (unknown command or option, config refused by plan, FILE missing\n"
            "             or damaged); run keeps the codes sbatch scripts test:\n"
            "exit status of run: 0 every experiment this allocation can run is done (platforms it\n"
            "             cannot run are recorded \"skipped\" and listed with the reason),\n"
            "             1 error (usage, config, file, MPI: nothing ran),\n"
            "             2 finished but some experiments failed (retries used up),\n"
            "             3 interrupted (SIGTERM/SIGINT/SIGUSR1): run the same command to resume,\n"
            "             4 out of space (disk full or quota, refused before the start or stopped\n"
            "             like an interrupted run): free space and run the same command to resume\n"
            "exit status of status/report: 0 ok; 2 FILE missing, not a results file, or damaged\n"
            "             (one line per damaged object, everything still readable shown)\n"
            "one campaign per results file: run claims FILE as FILE.claim (host, pid, Slurm job,\n"
            "             start, heartbeat every 10 s or $PLATBENCH_CLAIM_INTERVAL_S); a second\n"
            "             run refuses with who holds it and since when; a stale claim (same host\n"
            "             and pid gone, no heartbeat for 6 periods, or its Slurm job gone per\n"
            "             squeue) is taken over and recorded in the new claim; status FILE shows it\n"
            "--force:     take the claim even from a campaign that looks alive (it stops at its\n"
            "             next heartbeat and writes nothing more)\n"
            "--no-space-check: skip the free-space estimate made before the start (results file\n"
            "             about 5 KiB per experiment + 48 bytes per step, work folders about\n"
            "             12 KiB per experiment to run), e.g. where statvfs reports nothing useful\n"
            "--force-resume: resume into a file whose comparable settings (workload, model, data,\n"
            "             steps, batch, threads, seeds, platforms, tests) differ from the config;\n"
            "             the experiment list (count, platform and test of each row) must still match\n");
}

static void help_platforms(FILE *fp) {
    fprintf(fp, "Platform kinds compiled in (platforms = ( { name = ...; kind = ...; ... } )):\n");
    for (const platform_ops *const *k = platform_registry; *k; k++) {
        fprintf(fp, "\n%s: %s\n", (*k)->kind, (*k)->summary);
        int any = 0;
        for (const platform_option *o = (*k)->options; o && o->key; o++, any++) {
            fprintf(fp, "  %-14s %-7s %-18s %s%s%s\n", o->key, opt_type_name(o->type),
                    o->required      ? "(required)"
                    : o->default_val ? o->default_val
                                     : "(none)",
                    o->help ? o->help : "", o->choices ? "; one of " : "", o->choices ? o->choices : "");
        }
        if (!any) fprintf(fp, "  (no options)\n");
    }
}

/* The CPU sets `run` would give ranks_per_host ranks of this host (cpuset.h: the split of
   this process's CPUs when they are not bound apart), said plainly; 1 when oversubscribed
   and not allowed. Sets *threads when the config leaves it to the set size. */
static int plan_cpus(const campaign *c, int ranks, int *threads) {
    cpu_set_t set;
    char list[128] = "?";
    int n = 1;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        n = CPU_COUNT(&set);
        cpus_format(&set, list, sizeof list);
    }
    int per = ranks <= n ? n / ranks : 1;
    *threads = c->threads > 0 ? c->threads : per;
    int over = ranks > n || *threads > per;
    printf("  CPUs: this process may use %s (%d); %d rank%s per host -> about %d CPU%s per "
           "experiment, %d thread%s each%s\n",
           list, n, ranks, ranks == 1 ? "" : "s", per, per == 1 ? "" : "s", *threads,
           *threads == 1 ? "" : "s",
           !over       ? ""
           : ranks > n ? ": OVERSUBSCRIBED (more ranks than CPUs)"
                       : ": OVERSUBSCRIBED (threads > CPUs of the set)");
    if (over && !c->allow_oversubscribe) {
        printf("  REFUSED by run: experiments would share CPUs and their timings would not be "
               "comparable; use fewer ranks per host, lower workload.threads, or set "
               "allow_oversubscribe = true (rows flagged oversubscribed)\n");
        return 1;
    }
    if (over) printf("  allowed by allow_oversubscribe = true: rows flagged oversubscribed\n");
    if (c->exclusive) printf("  exclusive = true: at most one experiment per host at a time\n");
    return 0;
}

/* The campaign's summary lines of `plan` (output, space, workload, CPUs, seeds); sets c->threads
   to the threads each experiment gets; returns whether run would refuse (oversubscribed). */
static int plan_summary(campaign *c, int ranks) {
    printf("campaign \"%s\" from %s\n", c->name, c->config_file);
    printf("  output %s (work folders %s.d/)\n", c->output, c->output);
    char rb[32], wb[32], fs[1200];
    fsspace_bytes(space_results_bytes(c), rb, sizeof rb);
    fsspace_bytes(space_work_bytes(c) * (uint64_t)c->n_experiments, wb, sizeof wb);
    fsspace_describe(c->output, fs, sizeof fs);
    printf("  space: results file about %s, work folders about %s; %s\n", rb, wb, fs);
    int threads = 1, refused = plan_cpus(c, ranks, &threads);
    printf("  workload %s, %d steps, batch %d, %d thread(s)%s; %d tests x %d platforms = %d "
           "experiments\n",
           c->executable, c->steps, c->batch, threads, c->threads > 0 ? "" : " (the CPU set's size)",
           c->tests, c->n_platforms, c->n_experiments);
    c->threads = threads;
    printf("  seeds base %lld policy %s; order %s; timeout %.0f s; retries %d; config_hash %s\n",
           (long long)c->seed_base,
           c->seed_policy == SEED_PER_TEST         ? "per-test"
           : c->seed_policy == SEED_PER_EXPERIMENT ? "per-experiment"
                                                   : "fixed",
           c->order == ORDER_SEQUENTIAL ? "sequential" : "blocked-random", c->timeout_s, c->retries,
           c->config_hash);
    return refused;
}

/* Checks every platform on this machine and prints one line each; returns how many cannot run here. */
static int plan_platforms(const campaign *c) {
    char host[64] = "";
    gethostname(host, sizeof host - 1);
    printf("\nplatforms (checked on this machine, %s):\n", host);
    int unusable = 0;
    for (int p = 0; p < c->n_platforms; p++) {
        const campaign_platform *cp = &c->platforms[p];
        char why[512] = "";
        int rc = cp->ops->check(&cp->conf, why, sizeof why);
        if (rc == 0 && cp->conf.hosts) {
            char e2[256] = "";
            int m = hostlist_match(cp->conf.hosts, host, e2, sizeof e2);
            if (m != 1) {
                rc = 1;
                snprintf(why, sizeof why,
                         "this node (%s) is not in hosts = \"%s\"%s%s; run on a "
                         "matching node (under MPI, only ranks there get its experiments)",
                         host, cp->conf.hosts, *e2 ? ": " : "", e2);
            }
        }
        unusable += rc != 0;
        printf("  %-14s kind %-11s hosts %-16s %s%s\n", cp->conf.name, cp->conf.kind,
               cp->conf.hosts ? cp->conf.hosts : "(any)", rc ? "CANNOT RUN HERE: " : "ok", rc ? why : "");
    }
    return unusable;
}

/* Prints experiment i's plan line: its platform, test, seed, hosts and the argv its platform runs. */
static void plan_experiment(const campaign *c, int i) {
    const experiment *e = &c->experiments[i];
    const campaign_platform *cp = &c->platforms[e->platform];
    char dir[4096], result[4200], lid[64];
    snprintf(dir, sizeof dir, "%s.d", c->output);
    campaign_launch_id(c, dir, i, 1, lid, sizeof lid);
    snprintf(dir, sizeof dir, "%s.d/e%04d-a1", c->output, i);
    snprintf(result, sizeof result, "%s/result.h5", dir);
    strv w, a;
    strv_init(&w);
    strv_init(&a);
    const char *reads[3] = {c->model, c->data, NULL};
    if (c->interface == WORKLOAD_PLAIN) reads[0] = NULL;
    const char *slash = strrchr(c->executable, '/');
    char line[8192], e2[512] = "";
    if (campaign_workload_argv(c, e, result, &w)) {
        snprintf(line, sizeof line, "(out of memory)");
    } else {
        launch_request rq = {(const char *const *)w.items,
                             slash ? slash + 1 : c->executable,
                             reads,
                             dir,
                             lid,
                             c->threads,
                             1,
                             NULL,
                             0};
        if (cp->ops->build_argv(&cp->conf, &rq, &a, e2, sizeof e2))
            snprintf(line, sizeof line, "(cannot build: %s)", e2);
        else
            strv_join(&a, line, sizeof line);
    }
    printf("e%04d %-14s %-4d %-12lld %-16s %s\n", i, cp->conf.name, e->test, (long long)e->seed,
           cp->conf.hosts ? cp->conf.hosts : "(any)", line);
    strv_free(&w);
    strv_free(&a);
}

static int cmd_plan(const char *cfg, int ranks) {
    campaign c;
    char err[4096];
    if (campaign_load(&c, cfg, err, sizeof err)) {
        fprintf(stderr, "platbench: %s\n", err);
        return PB_EXIT_USAGE;
    }
    int refused = plan_summary(&c, ranks);
    int unusable = plan_platforms(&c);
    printf("\n%-5s %-14s %-4s %-12s %-16s %s\n", "id", "platform", "test", "seed", "hosts", "argv");
    for (int i = 0; i < c.n_experiments; i++) plan_experiment(&c, i);
    printf("\n%d experiment(s); %s\n", c.n_experiments,
           refused    ? "REFUSED: oversubscribed (see CPUs above)"
           : unusable ? "some platforms cannot run on this machine (see above); under MPI their "
                        "experiments go to ranks that can, or are recorded \"skipped\""
                      : "every platform can run on this machine");
    campaign_free(&c);
    return refused ? PB_EXIT_FAILURE : PB_EXIT_OK;
}

static int cmd_run(int argc, char **argv) {
    const char *cfg = NULL, *out = NULL;
    int flags = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "--force-resume"))
            flags |= RUN_FORCE_RESUME;
        else if (!strcmp(argv[i], "--no-space-check"))
            flags |= RUN_NO_SPACE_CHECK;
        else if (!strcmp(argv[i], "--force"))
            flags |= RUN_FORCE_CLAIM;
        else if (argv[i][0] != '-' && !cfg)
            cfg = argv[i];
        else {
            fprintf(stderr, "platbench run: unexpected argument \"%s\"\n", argv[i]);
            usage(stderr);
            return RUN_EXIT_ERROR; /* not 2: run's 2 means "finished, some experiments failed" */
        }
    }
    if (!cfg) {
        usage(stderr);
        return RUN_EXIT_ERROR;
    }
    /* under mpirun, die with it: a SIGKILL of mpirun must not leave ranks writing the file
       (experiments in their own process groups may still finish; resume uses a new attempt
       folder for them) */
    if (getenv("OMPI_COMM_WORLD_RANK") && getppid() != 1) prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* before MPI_Init too: Slurm's walltime warning (USR1) may arrive during start-up,
       and its default action would kill the rank with nothing recorded */
    run_install_signals();
    iosafe_apply(); /* MPI-IO/HDF5 settings for shared file systems: before MPI_Init reads them */
    MPI_CHECK(MPI_Init(&argc, &argv));
    mpi_check_init(MPI_COMM_WORLD); /* failed MPI calls come back to MPI_CHECK, named */
    run_install_signals();          /* again after MPI_Init, so ours win over any the library installs */
    int rank;
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    campaign c;
    char err[4096];
    int bad = campaign_load(&c, cfg, err, sizeof err) != 0, anybad = 0;
    MPI_CHECK(MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD));
    int code = RUN_EXIT_ERROR;
    if (anybad) {
        if (rank == 0) fprintf(stderr, "platbench: %s\n", bad ? err : "config invalid on a rank");
    } else {
        /* an absolute output path: work folders are handed to platforms as mount points */
        char *abs = NULL, cwd[4096];
        const char *o = out ? out : c.output;
        if (o[0] != '/' && getcwd(cwd, sizeof cwd) && asprintf(&abs, "%s/%s", cwd, o) < 0) abs = NULL;
        code = run_campaign(&c, abs ? abs : o, flags, MPI_COMM_WORLD);
        free(abs);
    }
    if (!bad) campaign_free(&c);
    MPI_CHECK(MPI_Finalize());
    return code;
}

int runner_main(int argc, char **argv) {
    const char *cmd = argc > 1 ? argv[1] : "";
    char err[4096];
    if (!strcmp(cmd, "plan") && (argc == 3 || (argc == 5 && !strcmp(argv[3], "--ranks-per-host")))) {
        const char *lr = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
        int ranks = argc == 5 ? atoi(argv[4]) : lr ? atoi(lr) : 1;
        if (ranks < 1) {
            fprintf(stderr, "platbench: plan: --ranks-per-host expects an integer >= 1, got \"%s\"\n",
                    argv[4]);
            return PB_EXIT_USAGE;
        }
        return cmd_plan(argv[2], ranks);
    }
    if (!strcmp(cmd, "run")) return cmd_run(argc, argv);
    if (!strcmp(cmd, "compare")) return compare_main(argc, argv);
    if (!strcmp(cmd, "replay")) return replay_main(argc, argv);
    if ((!strcmp(cmd, "status") || !strcmp(cmd, "report")) && argc == 3) {
        int rc = !strcmp(cmd, "status") ? report_status(argv[2], stdout, err, sizeof err)
                                        : report_print(argv[2], stdout, err, sizeof err);
        char cl[2048];
        if (!strcmp(cmd, "status") && claim_describe(argv[2], cl, sizeof cl)) printf("%s\n", cl);
        if (rc < 0) fprintf(stderr, "platbench: %s\n", err);
        return rc ? PB_EXIT_USAGE : PB_EXIT_OK; /* FILE missing, not a results file, or damaged */
    }
    if (!strcmp(cmd, "help")) {
        if (argc > 2 && !strcmp(argv[2], "config"))
            campaign_help(stdout);
        else if (argc > 2 && !strcmp(argv[2], "platforms"))
            help_platforms(stdout);
        else
            usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("platbench %s (git %s)\n", PLATBENCH_VERSION, PLATBENCH_GIT_COMMIT);
        return 0;
    }
    usage(stderr);
    return PB_EXIT_USAGE;
}

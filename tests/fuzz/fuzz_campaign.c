/* Fuzz target: the campaign parser (src/runner/campaign.c, libconfig): load, expand into
 * experiments, build every experiment's workload argv, and diff the config text against
 * a fixed one (platbench resume's "what changed" message). */
#include "fuzz.h"
#include "runner/campaign.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(data, size);
    campaign c;
    char err[2048];
    if (campaign_load(&c, path, err, sizeof err) == 0) {
        if (c.n_experiments < 0 || c.n_platforms < 1) abort();
        for (int i = 0; i < c.n_experiments && i < 64; i++) {
            const experiment *e = &c.experiments[i];
            if (e->platform < 0 || e->platform >= c.n_platforms) abort();
            strv argv;
            strv_init(&argv);
            campaign_workload_argv(&c, e, "/tmp/RESULT.h5", &argv);
            strv_free(&argv);
        }
        char diff[512];
        campaign_diff(c.comparable, "name = \"x\"\nsteps = 10\n", diff, sizeof diff);
        campaign_diff("name = \"x\"\n", c.config_text, diff, sizeof diff);
        campaign_free(&c);
    } else if (!err[0]) {
        abort(); /* a refusal always says why */
    }
    return 0;
}

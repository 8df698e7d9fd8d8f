/* Physical cores, NUMA nodes and the binding plan, on the fake sysfs trees
 * in tests/fixtures/sysfs (paths are relative to the repository root, where
 * make test-c runs the suites). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "aio_topology.h"

#define SMT2X4 "tests/fixtures/sysfs/smt2x4"
static aio_cpulist allowed, out;
static aio_config cfg;
static aio_plan plan;
static char err[256];

static void set_list(aio_cpulist *l, const char *text)
{
    cr_assert_eq(aio_cpulist_parse(text, l, NULL, err, sizeof err), 0, "%s", err);
}

static void expect_list(const aio_cpulist *l, const char *want)
{
    char buf[256];
    aio_cpulist_format(l, buf, sizeof buf);
    cr_assert_str_eq(buf, want);
}

Test(topology, one_cpu_per_core_when_all_allowed)
{
    set_list(&allowed, "0-7");
    cr_assert_eq(aio_physical_cores(SMT2X4, &allowed, &out), 4);
    expect_list(&out, "0-3");
}

Test(topology, siblings_only)
{
    set_list(&allowed, "4-7");
    aio_physical_cores(SMT2X4, &allowed, &out);
    expect_list(&out, "4-7");
}

Test(topology, lowest_allowed_sibling_represents_the_core)
{
    set_list(&allowed, "1 4 5"); /* core {1,5}: 1; core {0,4}: 4 (0 not allowed) */
    aio_physical_cores(SMT2X4, &allowed, &out);
    expect_list(&out, "1,4");
}

Test(topology, missing_tree_counts_every_cpu)
{
    set_list(&allowed, "0-2");
    aio_physical_cores("tests/fixtures/sysfs/no-such-tree", &allowed, &out);
    expect_list(&out, "0-2");
}

Test(topology, nodes)
{
    cr_assert_eq(aio_cpu_node(SMT2X4, 0), 0);
    cr_assert_eq(aio_cpu_node(SMT2X4, 6), 1);
    cr_assert_eq(aio_cpu_node("tests/fixtures/sysfs/node7", 1), 7);
    cr_assert_eq(aio_cpu_node(SMT2X4, 99), -1);
}

Test(plan, default_is_physical_cores_and_process_untouched)
{
    memset(&cfg, 0, sizeof cfg);
    set_list(&allowed, "0-7");
    cr_assert_eq(aio_plan_make(&cfg, &allowed, SMT2X4, NULL, NULL, &plan, err, sizeof err), 0, "%s", err);
    expect_list(&plan.cores, "0-3");
    expect_list(&plan.process, "0-7");
    cr_assert_eq(plan.restrict_process, 0);
    cr_assert_eq(plan.world, 0);
}

Test(plan, numa_cpus_in_order_and_confining)
{
    memset(&cfg, 0, sizeof cfg);
    set_list(&allowed, "0-7");
    set_list(&cfg.numa_cpus, "6 2 5");
    cr_assert_eq(aio_plan_make(&cfg, &allowed, SMT2X4, NULL, NULL, &plan, err, sizeof err), 0);
    cr_assert_eq(plan.cores.cpus[0], 6);
    cr_assert_eq(plan.cores.cpus[1], 2);
    cr_assert_eq(plan.restrict_process, 1);
    expect_list(&plan.process, "6,2,5");
}

Test(plan, torchrun_ranks_get_disjoint_equal_slices)
{
    memset(&cfg, 0, sizeof cfg);
    set_list(&allowed, "0-7");
    const char *want[] = {"0", "1", "2", "3"};
    for (int r = 0; r < 4; r++) {
        char rank[8];
        snprintf(rank, sizeof rank, "%d", r);
        cr_assert_eq(aio_plan_make(&cfg, &allowed, SMT2X4, rank, "4", &plan, err, sizeof err), 0, "%s", err);
        expect_list(&plan.cores, want[r]);
        expect_list(&plan.process, want[r]);
        cr_assert_eq(plan.rank, r);
        cr_assert_eq(plan.world, 4);
    }
    cr_assert_eq(aio_plan_make(&cfg, &allowed, SMT2X4, "1", "2", &plan, err, sizeof err), 0);
    expect_list(&plan.cores, "2-3");
}

Test(plan, torchrun_slices_the_users_list)
{
    memset(&cfg, 0, sizeof cfg);
    set_list(&allowed, "0-7");
    set_list(&cfg.numa_cpus, "7 6 5 4");
    cr_assert_eq(aio_plan_make(&cfg, &allowed, SMT2X4, "1", "2", &plan, err, sizeof err), 0);
    expect_list(&plan.cores, "5,4");
}

Test(plan, single_rank_world_is_not_sliced)
{
    memset(&cfg, 0, sizeof cfg);
    set_list(&allowed, "0-7");
    cr_assert_eq(aio_plan_make(&cfg, &allowed, SMT2X4, "0", "1", &plan, err, sizeof err), 0);
    expect_list(&plan.cores, "0-3");
    cr_assert_eq(plan.restrict_process, 0);
}

Test(plan, too_many_ranks)
{
    memset(&cfg, 0, sizeof cfg);
    set_list(&allowed, "0-7");
    cr_assert_eq(aio_plan_make(&cfg, &allowed, SMT2X4, "0", "5", &plan, err, sizeof err), -1);
    cr_assert_str_eq(err, "5 local ranks but only 4 cores to share");
}

Test(plan, bad_rank)
{
    memset(&cfg, 0, sizeof cfg);
    set_list(&allowed, "0-7");
    cr_assert_eq(aio_plan_make(&cfg, &allowed, SMT2X4, "2", "2", &plan, err, sizeof err), -1);
    cr_assert(strstr(err, "LOCAL_RANK=2"), "%s", err);
    /* Garbage is "not under torchrun", not an error. */
    cr_assert_eq(aio_plan_make(&cfg, &allowed, SMT2X4, "x", "2", &plan, err, sizeof err), 0);
    expect_list(&plan.cores, "0-3");
}

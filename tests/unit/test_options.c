/* The option table: defaults, every variable's good and bad values, the
 * deprecated alias, diagnostics text, regex semantics and the generated
 * print-out / Markdown. The environment is a fake array, never the real one. */
#include <criterion/criterion.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aio_config.h"
#include "aio_log.h"

static const char *env[32][2];
static int n_env;
static aio_config cfg;
static aio_config_diags diags;

static const char *fake_getenv(const char *name)
{
    for (int i = 0; i < n_env; i++)
        if (strcmp(env[i][0], name) == 0) return env[i][1];
    return NULL;
}

static void set(const char *name, const char *value)
{
    env[n_env][0] = name;
    env[n_env][1] = value;
    n_env++;
}

static void parse(void) { aio_config_parse(&cfg, &diags, fake_getenv); }

/* Parse with just one variable set. */
static void parse1(const char *name, const char *value)
{
    n_env = 0;
    set(name, value);
    parse();
}

static void no_diags(void) { cr_assert_eq(diags.count, 0, "unexpected: %s", diags.line[0]); }

/* One line that names the variable, the quoted value and the accepted range. */
static void one_diag(const char *name, const char *value, const char *accepted, const char *dflt)
{
    char want[600];
    cr_assert_eq(diags.count, 1, "%d diagnostics for %s=%s", diags.count, name, value);
    const char *d = diags.line[0];
    snprintf(want, sizeof want, "aio: %s=\"%s\" is not valid (expected ", name, value);
    cr_assert_eq(strncmp(d, want, strlen(want)), 0, "\"%s\" does not start \"%s\"", d, want);
    cr_assert(strstr(d, accepted), "\"%s\" lacks \"%s\"", d, accepted);
    snprintf(want, sizeof want, "); using default %s", dflt);
    size_t dl = strlen(d), wl = strlen(want);
    cr_assert(dl > wl && strcmp(d + dl - wl, want) == 0, "\"%s\" does not end \"%s\"", d, want);
    cr_assert_null(strchr(d, '\n'));
}

static void teardown(void) { aio_config_free(&cfg); }
TestSuite(options, .fini = teardown);

/* ---- defaults ---------------------------------------------------------- */

Test(options, defaults_when_unset)
{
    n_env = 0;
    parse();
    no_diags();
    cr_assert_eq(cfg.process_mode, 1);
    cr_assert_eq(cfg.cpu_bind, 1);
    cr_assert_eq(cfg.mem_bind, 1);
    cr_assert_eq(cfg.numa_cpus.count, 0);
    cr_assert_eq(cfg.debug_mode, 2);
    cr_assert_eq(cfg.num_threads, 0);
    cr_assert_eq(cfg.skip_master_thread, 1);
    cr_assert_eq(cfg.implicit_fp16.set, 0);
    cr_assert_eq(cfg.implicit_bf16.set, 0);
    cr_assert_eq(cfg.merge_linear, 1);
    cr_assert_eq(cfg.quantize_int8.set, 0);
    cr_assert_eq(cfg.int8_out_dtype, AIO_OUT_DTYPE_FP32);
    cr_assert_eq(cfg.profiler, 0);
    cr_assert_str_eq(cfg.profiler_file, "");
    cr_assert_eq(cfg.max_isa, AIO_ISA_CAP_NATIVE);
    cr_assert_str_eq(cfg.dispatch_lib, "");
    cr_assert_eq(cfg.strict_version, 1);
    for (int i = 0; i < AIO_CONFIG_MAX_OPTIONS; i++) cr_assert_eq(cfg.source[i], AIO_SRC_DEFAULT);
}

Test(options, null_getenv_gives_defaults)
{
    aio_config_parse(&cfg, &diags, NULL);
    no_diags();
    cr_assert_eq(cfg.debug_mode, 2);
}

Test(options, null_diags_is_tolerated)
{
    n_env = 0;
    set("AIO_DEBUG_MODE", "junk");
    aio_config_parse(&cfg, NULL, fake_getenv);
    cr_assert_eq(cfg.debug_mode, 2);
}

/* ---- booleans ---------------------------------------------------------- */

static const struct { const char *name; size_t off; int def; } bools[] = {
    {"AIO_PROCESS_MODE", offsetof(aio_config, process_mode), 1},
    {"AIO_CPU_BIND", offsetof(aio_config, cpu_bind), 1},
    {"AIO_MEM_BIND", offsetof(aio_config, mem_bind), 1},
    {"AIO_SKIP_MASTER_THREAD", offsetof(aio_config, skip_master_thread), 1},
    {"AIO_MERGE_LINEAR", offsetof(aio_config, merge_linear), 1},
    {"AIO_TORCH_VERSION_CHECK", offsetof(aio_config, strict_version), 1},
    {"AIO_IGNORE_POLICY", offsetof(aio_config, ignore_policy), 0},
};
#define BOOL_AT(i) (*(int *)((char *)&cfg + bools[i].off))

Test(options, bools_accept_0_and_1)
{
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++)
        for (int v = 0; v <= 1; v++) {
            parse1(bools[i].name, v ? "1" : "0");
            no_diags();
            cr_assert_eq(BOOL_AT(i), v, "%s=%d", bools[i].name, v);
        }
}

Test(options, bools_reject_bad_values)
{
    static const char *bad[] = {"2", "-1", "yes", "true", "", "1x", "0.5", " "};
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++)
        for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
            parse1(bools[i].name, bad[b]);
            cr_assert_eq(BOOL_AT(i), bools[i].def, "%s=\"%s\"", bools[i].name, bad[b]);
            one_diag(bools[i].name, bad[b], "0 or 1", bools[i].def ? "1" : "0");
        }
}

Test(options, process_mode_off) { parse1("AIO_PROCESS_MODE", "0"); cr_assert_eq(cfg.process_mode, 0); }

/* ---- integers ---------------------------------------------------------- */

Test(options, debug_mode_range)
{
    for (int v = 0; v <= 4; v++) {
        char s[12];
        snprintf(s, sizeof s, "%d", v);
        parse1("AIO_DEBUG_MODE", s);
        no_diags();
        cr_assert_eq(cfg.debug_mode, v);
    }
}

Test(options, debug_mode_exact_diag_line)
{
    parse1("AIO_DEBUG_MODE", "abc");
    cr_assert_eq(cfg.debug_mode, 2);
    cr_assert_eq(diags.count, 1);
    cr_assert_str_eq(diags.line[0], "aio: AIO_DEBUG_MODE=\"abc\" is not valid (expected an integer 0..4); using default 2");
    cr_assert_eq(cfg.source[4], AIO_SRC_REJECTED);
}

Test(options, debug_mode_bad)
{
    static const char *bad[] = {"5", "-1", "", "2x", "2 3", "0x2", "99999999999999999999", "1.0"};
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        parse1("AIO_DEBUG_MODE", bad[b]);
        cr_assert_eq(cfg.debug_mode, 2, "\"%s\"", bad[b]);
        one_diag("AIO_DEBUG_MODE", bad[b], "an integer 0..4", "2");
    }
}

Test(options, int_surrounding_blanks_ok)
{
    parse1("AIO_DEBUG_MODE", " 3 ");
    no_diags();
    cr_assert_eq(cfg.debug_mode, 3);
}

Test(options, num_threads)
{
    parse1("AIO_NUM_THREADS", "16");
    no_diags();
    cr_assert_eq(cfg.num_threads, 16);
    parse1("AIO_NUM_THREADS", "1");
    cr_assert_eq(cfg.num_threads, 1);
    parse1("AIO_NUM_THREADS", "4096");
    cr_assert_eq(cfg.num_threads, AIO_MAX_CPUS);
}

Test(options, num_threads_bad)
{
    static const char *bad[] = {"0", "4097", "-4", "", "many", "8threads"};
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        parse1("AIO_NUM_THREADS", bad[b]);
        cr_assert_eq(cfg.num_threads, 0, "\"%s\"", bad[b]);
        one_diag("AIO_NUM_THREADS", bad[b], "an integer 1..4096", "unset");
    }
}

/* ---- CPU list ---------------------------------------------------------- */

static int first_allowed_cpu(int nth)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    cr_assert_eq(sched_getaffinity(0, sizeof set, &set), 0);
    for (int c = 0, k = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set) && k++ == nth) return c;
    return -1;
}

Test(options, numa_cpus_ok)
{
    char s[32];
    int c = first_allowed_cpu(0);
    snprintf(s, sizeof s, " %d ", c);
    parse1("AIO_NUMA_CPUS", s);
    no_diags();
    cr_assert_eq(cfg.numa_cpus.count, 1);
    cr_assert_eq(cfg.numa_cpus.cpus[0], c);
    cr_assert_eq(cfg.source[3], AIO_SRC_ENV);
}

Test(options, numa_cpus_order_kept)
{
    int a = first_allowed_cpu(0), b = first_allowed_cpu(1);
    if (b < 0) cr_skip_test("needs two allowed CPUs");
    char s[32];
    snprintf(s, sizeof s, "%d,%d", b, a);
    parse1("AIO_NUMA_CPUS", s);
    no_diags();
    cr_assert_eq(cfg.numa_cpus.count, 2);
    cr_assert_eq(cfg.numa_cpus.cpus[0], b);
    cr_assert_eq(cfg.numa_cpus.cpus[1], a);
}

Test(options, numa_cpus_bad_syntax)
{
    static const char *bad[] = {"", "3-1", "0,,1", "x", "-1", "0 0"};
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        parse1("AIO_NUMA_CPUS", bad[b]);
        cr_assert_eq(cfg.numa_cpus.count, 0, "\"%s\"", bad[b]);
        one_diag("AIO_NUMA_CPUS", bad[b], "a CPU list", "unset");
    }
}

Test(options, numa_cpus_not_allowed)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    sched_getaffinity(0, sizeof set, &set);
    if (CPU_ISSET(1000, &set)) cr_skip_test("CPU 1000 is allowed here");
    parse1("AIO_NUMA_CPUS", "1000");
    cr_assert_eq(cfg.numa_cpus.count, 0);
    one_diag("AIO_NUMA_CPUS", "1000", "CPU 1000 is not in the allowed set", "unset");
}

Test(options, numa_cpus_out_of_range)
{
    parse1("AIO_NUMA_CPUS", "5000");
    one_diag("AIO_NUMA_CPUS", "5000", "out of range", "unset");
}

/* ---- regex filters ----------------------------------------------------- */

static const struct { const char *name; size_t off; } filters[] = {
    {"AIO_IMPLICIT_FP16_TRANSFORM_FILTER", offsetof(aio_config, implicit_fp16)},
    {"AIO_IMPLICIT_BF16_TRANSFORM_FILTER", offsetof(aio_config, implicit_bf16)},
    {"AIO_QUANTIZE_INT8_FILTER", offsetof(aio_config, quantize_int8)},
    {"AIO_QUANTIZE_INT4_FILTER", offsetof(aio_config, quantize_int4)},
};
#define FILTER_AT(i) ((aio_filter *)((char *)&cfg + filters[i].off))

Test(options, filters_full_match)
{
    for (size_t i = 0; i < 3; i++) {
        parse1(filters[i].name, "FullyConnected|Matmul");
        no_diags();
        aio_filter *f = FILTER_AT(i);
        cr_assert(f->set);
        cr_assert_str_eq(f->pattern, "FullyConnected|Matmul");
        cr_assert(aio_filter_match(f, "FullyConnected"));
        cr_assert(aio_filter_match(f, "Matmul"));
        cr_assert_not(aio_filter_match(f, "FullyConnectedX"), "prefix match leaked");
        cr_assert_not(aio_filter_match(f, "xMatmul"), "suffix match leaked");
        cr_assert_not(aio_filter_match(f, "Fully"));
        aio_config_free(&cfg);
    }
}

Test(options, filter_dot_star_matches_all)
{
    parse1("AIO_IMPLICIT_FP16_TRANSFORM_FILTER", ".*");
    cr_assert(aio_filter_match(&cfg.implicit_fp16, "anything"));
    cr_assert(aio_filter_match(&cfg.implicit_fp16, ""));
}

Test(options, filter_is_extended_regex)
{
    parse1("AIO_QUANTIZE_INT8_FILTER", "(Linear|Conv)[0-9]+");
    no_diags();
    cr_assert(aio_filter_match(&cfg.quantize_int8, "Conv12"));
    cr_assert_not(aio_filter_match(&cfg.quantize_int8, "Conv"));
}

Test(options, filter_empty_is_unset)
{
    parse1("AIO_QUANTIZE_INT8_FILTER", "");
    no_diags();
    cr_assert_eq(cfg.quantize_int8.set, 0);
    cr_assert_not(aio_filter_match(&cfg.quantize_int8, "x"));
}

Test(options, filter_unset_matches_nothing)
{
    aio_filter f = {0};
    cr_assert_not(aio_filter_match(&f, "x"));
    cr_assert_not(aio_filter_match(NULL, "x"));
}

Test(options, filter_invalid_regex)
{
    static const char *bad[] = {"(Linear", "[a-", "*x)("};
    for (size_t i = 0; i < 3; i++)
        for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
            parse1(filters[i].name, bad[b]);
            cr_assert_eq(FILTER_AT(i)->set, 0, "%s=\"%s\"", filters[i].name, bad[b]);
            one_diag(filters[i].name, bad[b], "POSIX extended regex", "unset");
        }
}

Test(options, filter_cannot_escape_anchor)
{
    /* ")|(" would unanchor a naive ^...$ wrapper; it must not compile into a
     * filter that matches everything. */
    static const char *escapes[] = {"a)|(.*", "a)|(b", ".*)|("};
    for (size_t i = 0; i < 3; i++) {
        parse1("AIO_QUANTIZE_INT8_FILTER", escapes[i]);
        cr_assert_eq(cfg.quantize_int8.set, 0, "%s", escapes[i]);
        one_diag("AIO_QUANTIZE_INT8_FILTER", escapes[i], "POSIX extended regex", "unset");
    }
}

Test(options, filter_too_long)
{
    static char pat[300];
    memset(pat, 'a', sizeof pat - 1);
    parse1("AIO_IMPLICIT_BF16_TRANSFORM_FILTER", pat);
    cr_assert_eq(cfg.implicit_bf16.set, 0);
    cr_assert_eq(diags.count, 1);
    cr_assert(strstr(diags.line[0], "longer than 255 bytes"), "%s", diags.line[0]);
    cr_assert(strstr(diags.line[0], "..."), "long value not cut: %s", diags.line[0]);
}

/* ---- deprecated alias -------------------------------------------------- */

Test(options, alias_all_sets_filter)
{
    parse1("AIO_QUANTIZE_INT8", "ALL");
    cr_assert(cfg.quantize_int8.set);
    cr_assert_str_eq(cfg.quantize_int8.pattern, ".*");
    cr_assert(aio_filter_match(&cfg.quantize_int8, "Matmul"));
    cr_assert_eq(diags.count, 1);
    cr_assert_str_eq(diags.line[0], "aio: AIO_QUANTIZE_INT8 is deprecated; use AIO_QUANTIZE_INT8_FILTER=\".*\" instead");
}

Test(options, alias_other_values_rejected)
{
    static const char *bad[] = {"1", "FullyConnected", "", "ALL "};
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        parse1("AIO_QUANTIZE_INT8", bad[b]);
        cr_assert_eq(cfg.quantize_int8.set, 0, "\"%s\"", bad[b]);
        one_diag("AIO_QUANTIZE_INT8", bad[b], "ALL", "unset");
        cr_assert(strstr(diags.line[0], "AIO_QUANTIZE_INT8_FILTER"), "replacement not named: %s", diags.line[0]);
    }
}

Test(options, alias_new_variable_wins)
{
    n_env = 0;
    set("AIO_QUANTIZE_INT8", "ALL");
    set("AIO_QUANTIZE_INT8_FILTER", "Matmul");
    parse();
    cr_assert_str_eq(cfg.quantize_int8.pattern, "Matmul");
    cr_assert_not(aio_filter_match(&cfg.quantize_int8, "FullyConnected"));
    cr_assert_eq(diags.count, 1);
    cr_assert(strstr(diags.line[0], "deprecated"), "%s", diags.line[0]);
}

Test(options, alias_new_variable_wins_whatever_the_order)
{
    n_env = 0;
    set("AIO_QUANTIZE_INT8_FILTER", "Matmul");
    set("AIO_QUANTIZE_INT8", "ALL");
    parse();
    cr_assert_str_eq(cfg.quantize_int8.pattern, "Matmul");
}

Test(options, alias_applies_when_new_variable_empty)
{
    n_env = 0;
    set("AIO_QUANTIZE_INT8_FILTER", "");
    set("AIO_QUANTIZE_INT8", "ALL");
    parse();
    cr_assert_str_eq(cfg.quantize_int8.pattern, ".*");
}

Test(options, alias_shown_as_source)
{
    char *buf = NULL;
    size_t len = 0;
    parse1("AIO_QUANTIZE_INT8", "ALL");
    FILE *f = open_memstream(&buf, &len);
    aio_config_print(&cfg, f);
    fclose(f);
    cr_assert(strstr(buf, "alias AIO_QUANTIZE_INT8"), "%s", buf);
    free(buf);
}

/* ---- enums ------------------------------------------------------------- */

Test(options, out_dtype)
{
    parse1("AIO_QUANTIZE_INT8_CONVERT_OUT_DTYPE", "FP16");
    no_diags();
    cr_assert_eq(cfg.int8_out_dtype, AIO_OUT_DTYPE_FP16);
    parse1("AIO_QUANTIZE_INT8_CONVERT_OUT_DTYPE", "fp16");
    cr_assert_eq(cfg.int8_out_dtype, AIO_OUT_DTYPE_FP16);
    parse1("AIO_QUANTIZE_INT8_CONVERT_OUT_DTYPE", "Fp32");
    cr_assert_eq(cfg.int8_out_dtype, AIO_OUT_DTYPE_FP32);
}

Test(options, out_dtype_bad)
{
    static const char *bad[] = {"BF16", "", "FP", "FP160", "16"};
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        parse1("AIO_QUANTIZE_INT8_CONVERT_OUT_DTYPE", bad[b]);
        cr_assert_eq(cfg.int8_out_dtype, AIO_OUT_DTYPE_FP32);
        one_diag("AIO_QUANTIZE_INT8_CONVERT_OUT_DTYPE", bad[b], "one of FP32, FP16", "FP32");
    }
}

Test(options, max_isa)
{
    static const struct { const char *v; int want; } ok[] = {
        {"native", AIO_ISA_CAP_NATIVE}, {"reference", AIO_ISA_CAP_REFERENCE}, {"avx2", AIO_ISA_CAP_AVX2},
        {"AVX512", AIO_ISA_CAP_AVX512}, {"neon", AIO_ISA_CAP_NEON}, {"Sve", AIO_ISA_CAP_SVE},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        parse1("AIO_MAX_ISA", ok[i].v);
        no_diags();
        cr_assert_eq(cfg.max_isa, ok[i].want, "%s", ok[i].v);
    }
}

Test(options, max_isa_bad)
{
    parse1("AIO_MAX_ISA", "avx1024");
    cr_assert_eq(cfg.max_isa, AIO_ISA_CAP_NATIVE);
    one_diag("AIO_MAX_ISA", "avx1024", "one of native, reference, avx2, avx512, neon, sve", "native");
}

/* ---- paths ------------------------------------------------------------- */

Test(options, paths)
{
    n_env = 0;
    set("AIO_PROFILER_FILE", "/tmp/prof.json");
    set("AIO_DISPATCH_LIB", "/opt/aio/libaio_dispatch.so");
    parse();
    no_diags();
    cr_assert_str_eq(cfg.profiler_file, "/tmp/prof.json");
    cr_assert_str_eq(cfg.dispatch_lib, "/opt/aio/libaio_dispatch.so");
}

Test(options, path_empty_is_unset)
{
    parse1("AIO_DISPATCH_LIB", "");
    no_diags();
    cr_assert_str_eq(cfg.dispatch_lib, "");
}

Test(options, path_too_long)
{
    static char longp[5000];
    memset(longp, 'p', sizeof longp - 1);
    static const char *names[] = {"AIO_PROFILER_FILE", "AIO_DISPATCH_LIB"};
    for (int i = 0; i < 2; i++) {
        parse1(names[i], longp);
        cr_assert_str_eq(i ? cfg.dispatch_lib : cfg.profiler_file, "");
        cr_assert_eq(diags.count, 1);
        const char *d = diags.line[0];
        cr_assert(strstr(d, names[i]) && strstr(d, "shorter than 4096 bytes") && strstr(d, "using default unset"),
                  "%s", d);
        cr_assert(strlen(d) < 400, "value not cut");
    }
}

Test(options, path_exactly_fits)
{
    static char p[4096];
    memset(p, 'q', sizeof p - 1);
    parse1("AIO_PROFILER_FILE", p);
    no_diags();
    cr_assert_eq(strlen(cfg.profiler_file), 4095);
}

/* ---- diagnostics hygiene ----------------------------------------------- */

Test(options, value_escaped_in_diag)
{
    parse1("AIO_DEBUG_MODE", "1\n\"2");
    cr_assert_eq(diags.count, 1);
    cr_assert_null(strchr(diags.line[0], '\n'));
    cr_assert(strstr(diags.line[0], "\"1\\x0a\\\"2\""), "%s", diags.line[0]);
}

/* AIO_PROFILER is a level: 1 the called ops, 2 every op. */
Test(options, profiler_levels)
{
    for (int v = 0; v <= 2; v++) {
        char text[4];
        snprintf(text, sizeof text, "%d", v);
        parse1("AIO_PROFILER", text);
        no_diags();
        cr_assert_eq(cfg.profiler, v);
    }
    parse1("AIO_PROFILER", "3");
    one_diag("AIO_PROFILER", "3", "an integer 0..2", "0");
    cr_assert_eq(cfg.profiler, 0);
}

Test(options, one_line_per_bad_variable)
{
    n_env = 0;
    set("AIO_DEBUG_MODE", "x");
    set("AIO_CPU_BIND", "x");
    set("AIO_MAX_ISA", "x");
    set("AIO_PROFILER", "1");
    parse();
    cr_assert_eq(diags.count, 3);
    cr_assert_eq(cfg.profiler, 1);
}

Test(options, reparse_resets)
{
    parse1("AIO_DEBUG_MODE", "x");
    parse1("AIO_DEBUG_MODE", "4");
    no_diags();
    cr_assert_eq(cfg.debug_mode, 4);
}

Test(options, free_twice_is_safe)
{
    parse1("AIO_IMPLICIT_FP16_TRANSFORM_FILTER", ".*");
    aio_config_free(&cfg);
    aio_config_free(&cfg);
    cr_assert_eq(cfg.implicit_fp16.set, 0);
}

Test(options, weight_cache_mb)
{
    n_env = 0;
    parse();
    cr_assert_eq(cfg.weight_cache_mb, 8192);
    set("AIO_WEIGHT_CACHE_MB", "0");
    parse();
    cr_assert_eq(cfg.weight_cache_mb, 0);
    cr_assert_eq(diags.count, 0);
    n_env = 0;
    set("AIO_WEIGHT_CACHE_MB", "-1");
    parse();
    cr_assert_eq(cfg.weight_cache_mb, 8192);
    cr_assert_eq(diags.count, 1);
    cr_assert(strstr(diags.line[0], "AIO_WEIGHT_CACHE_MB=\"-1\""), "%s", diags.line[0]);
}

/* ---- print-out and Markdown -------------------------------------------- */

static const char *all_names[] = {
    "AIO_PROCESS_MODE", "AIO_CPU_BIND", "AIO_MEM_BIND", "AIO_NUMA_CPUS", "AIO_DEBUG_MODE",
    "AIO_NUM_THREADS", "AIO_SKIP_MASTER_THREAD", "AIO_IMPLICIT_FP16_TRANSFORM_FILTER",
    "AIO_IMPLICIT_BF16_TRANSFORM_FILTER", "AIO_MERGE_LINEAR", "AIO_QUANTIZE_INT8_FILTER",
    "AIO_QUANTIZE_INT8", "AIO_QUANTIZE_INT8_CONVERT_OUT_DTYPE", "AIO_PROFILER", "AIO_PROFILER_FILE",
    "AIO_MAX_ISA", "AIO_DISPATCH_LIB", "AIO_WEIGHT_CACHE_MB", "AIO_TORCH_VERSION_CHECK",
    "AIO_IGNORE_POLICY", "AIO_QUANTIZE_INT4_FILTER", "AIO_QUANTIZE_INT4_GROUP_SIZE",
    "AIO_HEAP_KEEP_MB",
};
/* Options parsed but not active yet (none at present; NULL keeps the array
 * valid C). */
static const char *inactive[] = {
    NULL,
};
#define N_ALL (sizeof all_names / sizeof all_names[0])
#define N_INACTIVE (sizeof inactive / sizeof inactive[0])

static int is_inactive(const char *name)
{
    for (size_t i = 0; i < N_INACTIVE; i++)
        if (inactive[i] && strcmp(inactive[i], name) == 0) return 1;
    return 0;
}

/* The output line starting with "name" followed by a blank. */
static const char *line_of(const char *text, const char *name, char *line, size_t len)
{
    size_t nl = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        const char *s = p[0] == '|' ? p + 3 : p; /* Markdown: "| `NAME` |" */
        if (strncmp(s, name, nl) == 0 && (s[nl] == ' ' || s[nl] == '`')) {
            const char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            if (n >= len) n = len - 1;
            memcpy(line, p, n);
            line[n] = '\0';
            return line;
        }
    }
    return NULL;
}

static char *capture_print(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    aio_config_print(&cfg, f);
    fclose(f);
    return buf;
}

Test(options, print_lists_every_option_and_status)
{
    n_env = 0;
    parse();
    char *out = capture_print(), line[512];
    int lines = 0;
    for (char *p = out; *p; p++) lines += *p == '\n';
    cr_assert_eq(lines, (int)N_ALL, "one line per option:\n%s", out);
    for (size_t i = 0; i < N_ALL; i++) {
        cr_assert(line_of(out, all_names[i], line, sizeof line), "%s missing", all_names[i]);
        cr_assert(strstr(line, "(default)"), "%s", line);
        if (is_inactive(all_names[i])) cr_assert(strstr(line, "(not active yet)"), "%s", line);
        else cr_assert_null(strstr(line, "not active"), "%s", line);
    }
    free(out);
}

Test(options, print_values_and_sources)
{
    n_env = 0;
    set("AIO_DEBUG_MODE", "4");
    set("AIO_NUM_THREADS", "8");
    set("AIO_MAX_ISA", "AVX2");
    set("AIO_MEM_BIND", "maybe");
    set("AIO_IMPLICIT_FP16_TRANSFORM_FILTER", "Linear");
    set("AIO_PROFILER_FILE", "/tmp/p.json");
    parse();
    char *out = capture_print(), line[512];
    cr_assert(strstr(line_of(out, "AIO_DEBUG_MODE", line, sizeof line), " 4 "), "%s", line);
    cr_assert(strstr(line, "(environment)"), "%s", line);
    cr_assert(strstr(line_of(out, "AIO_NUM_THREADS", line, sizeof line), " 8 "), "%s", line);
    cr_assert(strstr(line_of(out, "AIO_MAX_ISA", line, sizeof line), " avx2 "), "%s", line);
    cr_assert(strstr(line_of(out, "AIO_MEM_BIND", line, sizeof line), "rejected"), "%s", line);
    cr_assert(strstr(line_of(out, "AIO_IMPLICIT_FP16_TRANSFORM_FILTER", line, sizeof line), " Linear "), "%s", line);
    cr_assert(strstr(line_of(out, "AIO_PROFILER_FILE", line, sizeof line), "/tmp/p.json"), "%s", line);
    cr_assert(strstr(line_of(out, "AIO_NUMA_CPUS", line, sizeof line), "unset"), "%s", line);
    free(out);
}

Test(options, markdown_has_every_variable)
{
    char *buf = NULL, line[1024];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    aio_config_print_markdown(f);
    fclose(f);
    cr_assert_eq(strncmp(buf, "| Variable | Type | Default | Accepted values | Status | Description |\n", 70), 0);
    int lines = 0;
    for (char *p = buf; *p; p++) lines += *p == '\n';
    cr_assert_eq(lines, (int)N_ALL + 2, "%s", buf);
    const char *prev = buf;
    for (size_t i = 0; i < N_ALL; i++) {
        cr_assert(line_of(buf, all_names[i], line, sizeof line), "%s missing from\n%s", all_names[i], buf);
        const char *at = strstr(buf, line);
        cr_assert(at > prev, "%s out of table order", all_names[i]);
        prev = at;
        int pipes = 0;
        for (char *p = line; *p; p++) pipes += *p == '|' && (p == line || p[-1] != '\\');
        cr_assert_eq(pipes, 7, "bad cell count: %s", line);
        if (is_inactive(all_names[i])) cr_assert(strstr(line, "not active yet"), "%s", line);
        else cr_assert(strstr(line, "| active |") || strstr(line, "| deprecated: use"), "%s", line);
    }
    cr_assert(strstr(buf, "deprecated: use `AIO_QUANTIZE_INT8_FILTER=\".*\"`"));
    free(buf);
}

Test(options, markdown_is_deterministic)
{
    char *a = NULL, *b = NULL;
    size_t la = 0, lb = 0;
    FILE *f = open_memstream(&a, &la);
    aio_config_print_markdown(f);
    fclose(f);
    n_env = 0;
    set("AIO_DEBUG_MODE", "4");
    parse();
    f = open_memstream(&b, &lb);
    aio_config_print_markdown(f);
    fclose(f);
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
}

Test(options, option_active_lookup)
{
    for (size_t i = 0; i < N_ALL; i++)
        cr_assert_eq(aio_config_option_active(all_names[i]), !is_inactive(all_names[i]), "%s", all_names[i]);
    cr_assert_eq(aio_config_option_active("AIO_NOPE"), -1);
}

/* ---- log --------------------------------------------------------------- */

static char *run_logged(void (*fn)(void))
{
    static char out[4096];
    int fds[2], saved = dup(2);
    cr_assert_eq(pipe(fds), 0);
    dup2(fds[1], 2);
    close(fds[1]);
    fn();
    dup2(saved, 2);
    close(saved);
    ssize_t n = read(fds[0], out, sizeof out - 1);
    out[n < 0 ? 0 : n] = '\0';
    close(fds[0]);
    return out;
}

static void log_levels(void)
{
    aio_log(AIO_LOG_ERROR, "e%d", 1);
    aio_log(AIO_LOG_WARN, "w");
    aio_log(AIO_LOG_DEBUG, "d");
    aio_log_set_level(4);
    aio_log(AIO_LOG_TRACE, "t\n");
    aio_log_set_level(0);
    aio_log(AIO_LOG_ERROR, "hidden");
}

Test(log, levels_and_prefix)
{
    cr_assert_eq(aio_log_level(), 2);
    cr_assert_str_eq(run_logged(log_levels), "aio: e1\naio: w\naio: t\n");
}

static void log_diags(void)
{
    aio_log_set_level(2);
    parse1("AIO_DEBUG_MODE", "abc");
    aio_config_log_diags(&diags);
}

Test(log, diags_not_prefixed_twice)
{
    cr_assert_str_eq(run_logged(log_diags),
                     "aio: AIO_DEBUG_MODE=\"abc\" is not valid (expected an integer 0..4); using default 2\n");
}

static void log_long(void)
{
    static char big[3000];
    memset(big, 'x', sizeof big - 1);
    aio_log(AIO_LOG_ERROR, "%s", big);
}

Test(log, long_message_is_cut_to_one_line)
{
    char *out = run_logged(log_long);
    size_t n = strlen(out);
    cr_assert(n < 1100 && n > 100);
    cr_assert_eq(out[n - 1], '\n');
    cr_assert_null(memchr(out, '\n', n - 1));
    cr_assert(strstr(out, "...\n"));
}

Test(log, set_level_clamps)
{
    aio_log_set_level(9);
    cr_assert_eq(aio_log_level(), 4);
    aio_log_set_level(-3);
    cr_assert_eq(aio_log_level(), 0);
}

/* ---- int4 group size ----------------------------------------------------- */

Test(options, int4_group_size)
{
    n_env = 0;
    parse();
    cr_assert_eq(cfg.int4_group, AIO_INT4_GROUP_64);
    cr_assert_eq(aio_int4_group_size(cfg.int4_group), 64);
    static const char *ok[] = {"32", "64", "128"};
    for (int i = 0; i < 3; i++) {
        n_env = 0;
        set("AIO_QUANTIZE_INT4_GROUP_SIZE", ok[i]);
        parse();
        no_diags();
        cr_assert_eq(aio_int4_group_size(cfg.int4_group), atoi(ok[i]));
    }
    parse1("AIO_QUANTIZE_INT4_GROUP_SIZE", "48");
    one_diag("AIO_QUANTIZE_INT4_GROUP_SIZE", "48", "32, 64, 128", "64");
    cr_assert_eq(cfg.int4_group, AIO_INT4_GROUP_64);
}

/* ---- heap keep ------------------------------------------------------------ */

Test(options, heap_keep_mb)
{
    n_env = 0;
    parse();
    cr_assert_eq(cfg.heap_keep_mb, 1024);
    parse1("AIO_HEAP_KEEP_MB", "0");
    no_diags();
    cr_assert_eq(cfg.heap_keep_mb, 0);
    parse1("AIO_HEAP_KEEP_MB", "-5");
    one_diag("AIO_HEAP_KEEP_MB", "-5", "0..1048576", "1024");
    cr_assert_eq(cfg.heap_keep_mb, 1024);
}

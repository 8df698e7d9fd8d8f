/* The AIO_* option table: one row per variable drives parsing, defaults,
 * the deprecated alias, the print-out and the README table, so they cannot
 * disagree. Parsing never fails: a bad value keeps the default and leaves
 * exactly one diagnostic line for the caller to print when it chooses. */
#include "aio_config.h"
#include "aio_log.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum opt_type { OPT_BOOL, OPT_INT, OPT_FILTER, OPT_CPULIST, OPT_ENUM, OPT_PATH, OPT_ALIAS };

typedef struct aio_option {
    const char *name;
    enum opt_type type;
    size_t offset;              /* field in aio_config (unused by OPT_ALIAS) */
    size_t size;                /* field size: bounds OPT_PATH strings */
    long def;                   /* default for bool/int/enum; int outside min..max = "unset" */
    long min, max;              /* OPT_INT range */
    const char *const *values;  /* OPT_ENUM names, indexed by value, NULL-terminated */
    int active;                 /* implemented in this release? flip here, nowhere else */
    const char *alias_of;       /* OPT_ALIAS: the variable that replaces it */
    const char *alias_value;    /* OPT_ALIAS: the one accepted value */
    const char *alias_means;    /* OPT_ALIAS: what it sets alias_of to */
    const char *doc;            /* one line, our words */
} aio_option;

#define FIELD(f) .offset = offsetof(aio_config, f), .size = sizeof(((aio_config *)0)->f)

static const char *const out_dtype_names[] = {"FP32", "FP16", NULL};
/* Same order as enum aio_isa_cap. */
static const char *const isa_names[] = {"native", "reference", "avx2", "avx512", "neon", "sve", NULL};

/* Same order as enum aio_int4_group. */
static const char *const int4_group_names[] = {"32", "64", "128", NULL};

static const aio_option options[] = {
    {"AIO_PROCESS_MODE", OPT_BOOL, FIELD(process_mode), .def = 1, .active = 1,
     .doc = "Master switch: 0 leaves the process exactly as plain PyTorch would run it."},
    {"AIO_CPU_BIND", OPT_BOOL, FIELD(cpu_bind), .def = 1, .active = 1,
     .doc = "Pin each intra-op worker thread to a core of its own; other threads and child processes keep the whole set of cores."},
    {"AIO_MEM_BIND", OPT_BOOL, FIELD(mem_bind), .def = 1, .active = 1,
     .doc = "Allocate memory only on the NUMA node(s) of the cores in use (node 0 with the default cores). Refused by the kernel: a warning if set explicitly, and the run goes on."},
    {"AIO_NUMA_CPUS", OPT_CPULIST, FIELD(numa_cpus), .active = 1,
     .doc = "Cores to use, in order: intra-op thread k takes the k-th; the process is confined to the list. Unset: one CPU per physical core of the allowed cpuset."},
    {"AIO_DEBUG_MODE", OPT_INT, FIELD(debug_mode), .def = 2, .min = 0, .max = 4, .active = 1,
     .doc = "Log verbosity on stderr: 0 silent, 1 errors, 2 also warnings and info, 3 more, 4 everything."},
    {"AIO_NUM_THREADS", OPT_INT, FIELD(num_threads), .def = 0, .min = 1, .max = AIO_MAX_CPUS, .active = 1,
     .doc = "Intra-op thread count for torch and aio kernels alike (`torch.set_num_threads` still works). Unset: keep the count torch chose."},
    {"AIO_SKIP_MASTER_THREAD", OPT_BOOL, FIELD(skip_master_thread), .def = 1, .active = 1,
     .doc = "1: the thread that runs a parallel region is never pinned (only pool workers are). 0: it is pinned to the first core while it runs a region."},
    {"AIO_IMPLICIT_FP16_TRANSFORM_FILTER", OPT_FILTER, FIELD(implicit_fp16), .active = 1,
     .doc = "Op classes whose name matches keep their weights in FP16 (converted once, cached); tensors stay FP32 outside. Names: `FullyConnected`, `EmbeddingBag` (fp16 table rows); `MatMul` is accepted but stays FP32 (no FP16 math on x86); `Convolution`: bf16 dot products, as with the BF16 filter (no FP16 math on x86). See docs/filters.md."},
    {"AIO_IMPLICIT_BF16_TRANSFORM_FILTER", OPT_FILTER, FIELD(implicit_bf16), .active = 1,
     .doc = "Like the FP16 filter, with BF16 weights. Names: `FullyConnected` (M > 128 also rounds activations, bf16 dot products), `MatMul` (bmm/baddbmm/matmul of activations, bf16 dot products), `EmbeddingBag` (bf16 table rows), `Convolution` (fp32 Conv1d/2d/3d at the shape classes that gain, bf16 dot products). See docs/filters.md."},
    {"AIO_MERGE_LINEAR", OPT_BOOL, FIELD(merge_linear), .def = 1, .active = 1,
     .doc = "torch.compile(backend=\"aio\"): fuse linears that share one input (Q, K, V; gate and up) into one GEMM on a concatenated weight; 0 saves the merged weights' memory. Eager mode never merges. See docs/compile-backend.md."},
    {"AIO_QUANTIZE_INT8_FILTER", OPT_FILTER, FIELD(quantize_int8), .active = 1,
     .doc = "Op classes whose name matches keep their weights as INT8 with per-output-channel scales; activations are quantized per token where the CPU has int8 dot products. Names: `FullyConnected`, `EmbeddingBag` (uint8 table rows, per-row scale and bias); wins over the FP16/BF16 filters. `MatMul`: accepted, not quantized. See docs/filters.md."},
    {"AIO_QUANTIZE_INT8", OPT_ALIAS, .active = 1, .alias_of = "AIO_QUANTIZE_INT8_FILTER", .alias_value = "ALL",
     .alias_means = ".*", .doc = "Old spelling of `AIO_QUANTIZE_INT8_FILTER=\".*\"`; the new variable wins if both are set."},
    {"AIO_QUANTIZE_INT8_CONVERT_OUT_DTYPE", OPT_ENUM, FIELD(int8_out_dtype), .def = AIO_OUT_DTYPE_FP32, .active = 1,
     .values = out_dtype_names,
     .doc = "FP16: the INT8 filter also quantizes FullyConnected layers of fp16 models (`model.half()`), writing fp16 outputs. FP32: INT8 applies to fp32 models only."},
    {"AIO_PROFILER", OPT_INT, FIELD(profiler), .def = 0, .min = 0, .max = 2, .active = 1,
     .doc = "Per-op report on stderr at exit: 1 the ops that were called, slowest first, with each one's share of time on aio's kernels and a summary line; 2 every op aio overrides; 0 none."},
    {"AIO_PROFILER_FILE", OPT_PATH, FIELD(profiler_file), .active = 1,
     .doc = "Also write the per-op report as JSON to this file."},
    {"AIO_MAX_ISA", OPT_ENUM, FIELD(max_isa), .def = AIO_ISA_CAP_NATIVE, .values = isa_names, .active = 1,
     .doc = "Cap the kernels' instruction set, to test the slower paths on a fast CPU."},
    {"AIO_DISPATCH_LIB", OPT_PATH, FIELD(dispatch_lib), .active = 1,
     .doc = "Dispatch module to load. Unset: the one for the loaded torch beside the preload (`libaio_dispatch-torch2.12.so` for torch 2.12), else `libaio_dispatch.so` there."},
    {"AIO_WEIGHT_CACHE_MB", OPT_INT, FIELD(weight_cache_mb), .def = 8192, .min = 0, .max = 1 << 24, .active = 1,
     .doc = "Memory for converted weights (implicit modes) and for fp32 Linear weights packed for M >= 16, in MiB; least recently used out first. 0: no conversion, fp32 packs on every call."},
    {"AIO_TORCH_VERSION_CHECK", OPT_BOOL, FIELD(strict_version), .def = 1, .active = 1,
     .doc = "Refuse a torch whose major.minor differs from the one the dispatch module was built for."},
    {"AIO_IGNORE_POLICY", OPT_BOOL, FIELD(ignore_policy), .def = 0, .active = 1,
     .doc = "1: take aio's kernels even where a never-slower rule defers to stock (convolution, GroupNorm, BatchNorm, attention; docs/never-slower.md). For tests and benchmarks: results stay correct, speed may drop."},
    {"AIO_QUANTIZE_INT4_FILTER", OPT_FILTER, FIELD(quantize_int4), .active = 1,
     .doc = "Op classes whose name matches keep their weights as INT4 with group-wise scales and zero points; activations are quantized per token (int8 x int4 dot products where the CPU has int8 dot products, weight-only otherwise). Names: `FullyConnected`; wins over the INT8/FP16/BF16 filters. See docs/filters.md."},
    {"AIO_QUANTIZE_INT4_GROUP_SIZE", OPT_ENUM, FIELD(int4_group), .def = AIO_INT4_GROUP_64, .values = int4_group_names,
     .active = 1, .doc = "Weights per int4 scale/zero group along K for `AIO_QUANTIZE_INT4_FILTER`: smaller is more accurate, larger reads fewer bytes."},
    {"AIO_HEAP_KEEP_MB", OPT_INT, FIELD(heap_keep_mb), .def = 1024, .min = 0, .max = 1 << 20, .active = 1,
     .doc = "Freed memory glibc keeps in the heap for the next tensors, in MiB (and blocks up to 32 MiB come from the heap), so outputs do not page-fault on every op (BERT-base fp32: 11,000 faults per forward without it). 0: glibc's defaults. Skipped when a `MALLOC_*_` variable or a `glibc.malloc` tunable is set, or malloc is not glibc's."},
};
#define N_OPTIONS ((int)(sizeof options / sizeof options[0]))
_Static_assert(sizeof options / sizeof options[0] <= AIO_CONFIG_MAX_OPTIONS,
               "raise AIO_CONFIG_MAX_OPTIONS");

static void *field(aio_config *cfg, const aio_option *o) { return (char *)cfg + o->offset; }
static const void *cfield(const aio_config *cfg, const aio_option *o) { return (const char *)cfg + o->offset; }

static int find_option(const char *name)
{
    for (int i = 0; i < N_OPTIONS; i++)
        if (strcmp(options[i].name, name) == 0) return i;
    return -1;
}

int aio_config_option_active(const char *name)
{
    int i = find_option(name);
    return i < 0 ? -1 : options[i].active;
}

/* ---- text shared by diagnostics, print-out and Markdown ---------------- */

/* What a row accepts. md: Markdown (code spans) rather than plain prose. */
static void accepted_text(const aio_option *o, int md, char *buf, size_t len)
{
    const char *q = md ? "`" : "";
    size_t used;
    switch (o->type) {
    case OPT_BOOL: snprintf(buf, len, "%s0%s or %s1%s", q, q, q, q); break;
    case OPT_INT: snprintf(buf, len, "%s%s%ld..%ld%s", md ? "" : "an integer ", q, o->min, o->max, q); break;
    case OPT_FILTER:
        snprintf(buf, len, "a POSIX extended regex, matched against the whole op name%s",
                 md ? "; empty = unset" : "");
        break;
    case OPT_CPULIST:
        snprintf(buf, len, "a CPU list such as %s0-3,8%s or %s0 1 2%s, within the allowed CPUs", q, q, q, q);
        break;
    case OPT_ENUM:
        used = (size_t)snprintf(buf, len, "%s", md ? "" : "one of ");
        for (int i = 0; o->values[i] && used < len; i++)
            used += (size_t)snprintf(buf + used, len - used, "%s%s%s%s", i ? ", " : "", q, o->values[i], q);
        if (md && used < len) snprintf(buf + used, len - used, " (any case)");
        break;
    case OPT_PATH:
        snprintf(buf, len, "a file path shorter than %zu bytes%s", o->size, md ? "; empty = unset" : "");
        break;
    case OPT_ALIAS: snprintf(buf, len, "%s%s%s only", q, o->alias_value, q); break;
    }
}

static int int_is_unset(const aio_option *o, long v) { return o->type == OPT_INT && (v < o->min || v > o->max); }

/* The default, as a value would print ("2", "FP32", "unset"). */
static void default_text(const aio_option *o, char *buf, size_t len)
{
    switch (o->type) {
    case OPT_BOOL:
    case OPT_INT:
        if (int_is_unset(o, o->def)) snprintf(buf, len, "unset");
        else snprintf(buf, len, "%ld", o->def);
        break;
    case OPT_ENUM: snprintf(buf, len, "%s", o->values[o->def]); break;
    default: snprintf(buf, len, "unset"); break;
    }
}

/* Quote an untrusted value for a one-line message: escape what would break
 * the line or the quotes, and cut long values (paths can be 4 KiB). */
static void quote_value(const char *v, char *buf, size_t len)
{
    size_t used = 0, shown = 0;
    for (; *v && used + 8 < len; v++, shown++) {
        unsigned char c = (unsigned char)*v;
        if (shown == 80) {
            used += (size_t)snprintf(buf + used, len - used, "...");
            break;
        }
        if (c == '"' || c == '\\') used += (size_t)snprintf(buf + used, len - used, "\\%c", c);
        else if (isprint(c)) buf[used++] = (char)c;
        else used += (size_t)snprintf(buf + used, len - used, "\\x%02x", c);
    }
    buf[used] = '\0';
}

static void add_diag(aio_config_diags *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_diag(aio_config_diags *d, const char *fmt, ...)
{
    if (!d || d->count >= AIO_CONFIG_MAX_DIAGS) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->line[d->count++], sizeof d->line[0], fmt, ap);
    va_end(ap);
}

/* The one diagnostic format: variable, value, what is accepted, default. */
static void diag_invalid(aio_config_diags *d, const aio_option *o, const char *value, const char *why)
{
    char q[400], acc[200], def[32];
    quote_value(value, q, sizeof q);
    accepted_text(o, 0, acc, sizeof acc);
    default_text(o, def, sizeof def);
    add_diag(d, "aio: %s=\"%s\" is not valid (expected %s%s%s); using default %s",
             o->name, q, acc, why && *why ? "; " : "", why ? why : "", def);
}

/* ---- parsing ------------------------------------------------------------ */

/* Whole-string decimal integer; surrounding blanks tolerated (shell quoting),
 * anything else after the number is rejected. */
static int parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || errno == ERANGE) return -1;
    while (isspace((unsigned char)*end)) end++;
    if (*end) return -1;
    *out = v;
    return 0;
}

static int parse_filter(aio_filter *f, const char *text, char *why, size_t whylen)
{
    if (strlen(text) >= sizeof f->pattern) {
        snprintf(why, whylen, "longer than %zu bytes", sizeof f->pattern - 1);
        return -1;
    }
    /* Alone first: "a)|(.*" is invalid by itself but would slip out of the
     * anchoring group below and match everything. */
    int rc = regcomp(&f->re, text, REG_EXTENDED | REG_NOSUB);
    if (rc) {
        regerror(rc, &f->re, why, whylen);
        return -1;
    }
    regfree(&f->re);
    /* Full match: "Linear" must not also pick "LinearBackward". */
    char anchored[sizeof f->pattern + 8];
    snprintf(anchored, sizeof anchored, "^(%s)$", text);
    rc = regcomp(&f->re, anchored, REG_EXTENDED | REG_NOSUB);
    if (rc) {
        regerror(rc, &f->re, why, whylen);
        return -1;
    }
    snprintf(f->pattern, sizeof f->pattern, "%s", text);
    f->set = 1;
    return 0;
}

static void allowed_cpus(aio_cpulist *allowed, int *have)
{
    *have = 0;
    allowed->count = 0;
    cpu_set_t *set = CPU_ALLOC(AIO_MAX_CPUS);
    if (!set) return;
    size_t sz = CPU_ALLOC_SIZE(AIO_MAX_CPUS);
    if (sched_getaffinity(0, sz, set) == 0) {
        for (int c = 0; c < AIO_MAX_CPUS; c++)
            if (CPU_ISSET_S(c, sz, set)) allowed->cpus[allowed->count++] = c;
        *have = 1;
    }
    CPU_FREE(set);
}

/* Parse one row's value into cfg. 0 ok, 1 "empty means unset", -1 invalid
 * (why filled when there is more to say than the accepted values). */
static int parse_value(const aio_option *o, aio_config *cfg, const char *v, char *why, size_t whylen)
{
    long n;
    why[0] = '\0';
    switch (o->type) {
    case OPT_BOOL:
    case OPT_INT: {
        long lo = o->type == OPT_BOOL ? 0 : o->min, hi = o->type == OPT_BOOL ? 1 : o->max;
        if (parse_long(v, &n) || n < lo || n > hi) return -1;
        *(int *)field(cfg, o) = (int)n;
        return 0;
    }
    case OPT_ENUM: {
        const char *s = v;
        while (isspace((unsigned char)*s)) s++;
        size_t len = strlen(s);
        while (len && isspace((unsigned char)s[len - 1])) len--;
        for (int i = 0; o->values[i]; i++)
            if (strlen(o->values[i]) == len && strncasecmp(s, o->values[i], len) == 0) {
                *(int *)field(cfg, o) = i;
                return 0;
            }
        return -1;
    }
    case OPT_FILTER:
        if (!*v) return 1;
        return parse_filter(field(cfg, o), v, why, whylen);
    case OPT_CPULIST: {
        /* 16 KiB: heap, not a thread's stack nor the preload's scarce static TLS. */
        aio_cpulist *allowed = malloc(sizeof *allowed);
        int have = 0;
        if (allowed) allowed_cpus(allowed, &have);
        int rc = aio_cpulist_parse(v, field(cfg, o), have ? allowed : NULL, why, whylen);
        free(allowed);
        return rc;
    }
    case OPT_PATH:
        if (!*v) return 1;
        if (strlen(v) >= o->size) {
            snprintf(why, whylen, "%zu bytes long", strlen(v));
            return -1;
        }
        memcpy(field(cfg, o), v, strlen(v) + 1);
        return 0;
    case OPT_ALIAS: break;
    }
    return -1;
}

/* The deprecated spelling: only its one value, and only if the new
 * variable was not given (the new name is what users are told to use). */
static void apply_alias(int row, aio_config *cfg, aio_config_diags *d, const char *v)
{
    const aio_option *o = &options[row];
    int t = find_option(o->alias_of);
    if (strcasecmp(v, o->alias_value) != 0) {
        cfg->source[row] = AIO_SRC_REJECTED;
        char q[400];
        quote_value(v, q, sizeof q);
        add_diag(d, "aio: %s=\"%s\" is not valid (expected %s only; deprecated, use %s=\"%s\"); using default unset",
                 o->name, q, o->alias_value, o->alias_of, o->alias_means);
        return;
    }
    cfg->source[row] = AIO_SRC_ENV;
    if (cfg->source[t] == AIO_SRC_ENV || cfg->source[t] == AIO_SRC_REJECTED) {
        add_diag(d, "aio: %s is deprecated and ignored because %s is set", o->name, o->alias_of);
        return;
    }
    char why[128];
    if (parse_value(&options[t], cfg, o->alias_means, why, sizeof why) == 0) cfg->source[t] = AIO_SRC_ALIAS;
    add_diag(d, "aio: %s is deprecated; use %s=\"%s\" instead", o->name, o->alias_of, o->alias_means);
}

void aio_config_parse(aio_config *cfg, aio_config_diags *diags, aio_getenv_fn getenv_fn)
{
    memset(cfg, 0, sizeof *cfg);
    if (diags) diags->count = 0;
    for (int i = 0; i < N_OPTIONS; i++) {
        const aio_option *o = &options[i];
        if (o->type == OPT_BOOL || o->type == OPT_INT || o->type == OPT_ENUM)
            *(int *)field(cfg, o) = (int)o->def; /* other types default to zero = unset */
    }
    /* Aliases after every real variable, so "the new one wins" sees it. */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < N_OPTIONS; i++) {
            const aio_option *o = &options[i];
            if ((o->type == OPT_ALIAS) != pass) continue;
            const char *v = getenv_fn ? getenv_fn(o->name) : NULL;
            if (!v) continue;
            if (o->type == OPT_ALIAS) {
                apply_alias(i, cfg, diags, v);
                continue;
            }
            char why[200];
            int rc = parse_value(o, cfg, v, why, sizeof why);
            if (rc == 0) cfg->source[i] = AIO_SRC_ENV;
            else if (rc < 0) {
                cfg->source[i] = AIO_SRC_REJECTED;
                diag_invalid(diags, o, v, why);
            }
        }
}

void aio_config_free(aio_config *cfg)
{
    for (int i = 0; i < N_OPTIONS; i++)
        if (options[i].type == OPT_FILTER) {
            aio_filter *f = field(cfg, &options[i]);
            if (f->set) regfree(&f->re);
            f->set = 0;
        }
}

void aio_config_log_diags(const aio_config_diags *diags)
{
    for (int i = 0; diags && i < diags->count; i++) aio_log(AIO_LOG_WARN, "%s", diags->line[i]);
}

int aio_filter_match(const aio_filter *f, const char *name)
{
    return f && f->set && name && regexec(&f->re, name, 0, NULL, 0) == 0;
}

/* ---- print-out and Markdown -------------------------------------------- */

static void value_text(const aio_option *o, const aio_config *cfg, int row, char *buf, size_t len)
{
    const void *p = cfield(cfg, o);
    switch (o->type) {
    case OPT_BOOL:
    case OPT_INT:
        if (int_is_unset(o, *(const int *)p)) snprintf(buf, len, "unset");
        else snprintf(buf, len, "%d", *(const int *)p);
        break;
    case OPT_ENUM: {
        int v = *(const int *)p, n = 0;
        while (o->values[n]) n++;
        snprintf(buf, len, "%s", v >= 0 && v < n ? o->values[v] : "?");
        break;
    }
    case OPT_FILTER: {
        const aio_filter *f = p;
        snprintf(buf, len, "%s", f->set ? f->pattern : "unset");
        break;
    }
    case OPT_CPULIST: {
        const aio_cpulist *l = p;
        if (l->count) aio_cpulist_format(l, buf, len);
        else snprintf(buf, len, "unset");
        break;
    }
    case OPT_PATH: snprintf(buf, len, "%s", *(const char *)p ? (const char *)p : "unset"); break;
    case OPT_ALIAS: snprintf(buf, len, "%s", cfg->source[row] == AIO_SRC_ENV ? o->alias_value : "unset"); break;
    }
}

void aio_config_print(const aio_config *cfg, FILE *out)
{
    for (int i = 0; i < N_OPTIONS; i++) {
        const aio_option *o = &options[i];
        char val[4200], src[128];
        value_text(o, cfg, i, val, sizeof val);
        switch (cfg->source[i]) {
        case AIO_SRC_ENV:
            if (o->type == OPT_ALIAS && cfg->source[find_option(o->alias_of)] != AIO_SRC_ALIAS)
                snprintf(src, sizeof src, "environment, ignored: %s is set", o->alias_of);
            else snprintf(src, sizeof src, "environment");
            break;
        case AIO_SRC_ALIAS: {
            const char *alias = "?";
            for (int j = 0; j < N_OPTIONS; j++)
                if (options[j].alias_of && strcmp(options[j].alias_of, o->name) == 0) alias = options[j].name;
            snprintf(src, sizeof src, "alias %s", alias);
            break;
        }
        case AIO_SRC_REJECTED: snprintf(src, sizeof src, "default, environment value rejected"); break;
        default: snprintf(src, sizeof src, "default"); break;
        }
        fprintf(out, "%-36s %-12s (%s)%s%s\n", o->name, val, src,
                o->type == OPT_ALIAS ? " (deprecated)" : "", o->active ? "" : " (not active yet)");
    }
}

/* Markdown cell: a '|' would split the cell. */
static void md_cell(FILE *out, const char *s)
{
    fputs("| ", out);
    for (; *s; s++) {
        if (*s == '|') fputc('\\', out);
        fputc(*s, out);
    }
    fputc(' ', out);
}

static const char *type_name(const aio_option *o)
{
    static const char *const names[] = {
        [OPT_BOOL] = "bool", [OPT_INT] = "integer", [OPT_FILTER] = "regex", [OPT_CPULIST] = "CPU list",
        [OPT_ENUM] = "enum", [OPT_PATH] = "path", [OPT_ALIAS] = "deprecated alias",
    };
    return names[o->type];
}

void aio_config_print_markdown(FILE *out)
{
    fputs("| Variable | Type | Default | Accepted values | Status | Description |\n", out);
    fputs("|---|---|---|---|---|---|\n", out);
    for (int i = 0; i < N_OPTIONS; i++) {
        const aio_option *o = &options[i];
        char name[64], def[40], defc[48], acc[200], status[128];
        snprintf(name, sizeof name, "`%s`", o->name);
        default_text(o, def, sizeof def);
        if (strcmp(def, "unset") == 0) snprintf(defc, sizeof defc, "unset");
        else snprintf(defc, sizeof defc, "`%s`", def);
        accepted_text(o, 1, acc, sizeof acc);
        if (o->type == OPT_ALIAS)
            snprintf(status, sizeof status, "deprecated: use `%s=\"%s\"`%s", o->alias_of, o->alias_means,
                     o->active ? "" : "; not active yet");
        else snprintf(status, sizeof status, "%s", o->active ? "active" : "not active yet");
        md_cell(out, name);
        md_cell(out, type_name(o));
        md_cell(out, defc);
        md_cell(out, acc);
        md_cell(out, status);
        md_cell(out, o->doc);
        fputs("|\n", out);
    }
}

/* ---- man page (aio(7), aio-run(1)) ------------------------------------- */

/* Markdown-ish doc text as roff: `code` in bold (with real minus signs),
 * backslashes escaped; no line starts with a control character. */
static void man_text(FILE *out, const char *s)
{
    int code = 0;
    if (*s == '.' || *s == '\'') fputs("\\&", out);
    for (; *s; s++) {
        if (*s == '`') {
            fputs(code ? "\\fR" : "\\fB", out);
            code = !code;
        } else if (*s == '\\') fputs("\\e", out);
        else if (*s == '-' && code) fputs("\\-", out);
        else fputc(*s, out);
    }
    if (code) fputs("\\fR", out);
}

/* One .TP entry per variable, for the ENVIRONMENT section of the man pages:
 * the same rows, defaults and accepted values as the README table. */
void aio_config_print_man(FILE *out)
{
    for (int i = 0; i < N_OPTIONS; i++) {
        const aio_option *o = &options[i];
        char def[40], acc[200], line[600];
        default_text(o, def, sizeof def);
        accepted_text(o, 1, acc, sizeof acc);
        fprintf(out, ".TP\n.B %s\n", o->name);
        snprintf(line, sizeof line, "%s, default %s%s%s; accepts %s.", type_name(o),
                 strcmp(def, "unset") ? "`" : "", def, strcmp(def, "unset") ? "`" : "", acc);
        man_text(out, line);
        fputs("\n.br\n", out);
        man_text(out, o->doc);
        fputc('\n', out);
        if (o->type == OPT_ALIAS) {
            snprintf(line, sizeof line, "Deprecated: use `%s=\"%s\"`.", o->alias_of, o->alias_means);
            fputs(".br\n", out);
            man_text(out, line);
            fputc('\n', out);
        }
        if (!o->active) fputs(".br\nParsed and checked, but not active in this release.\n", out);
    }
}

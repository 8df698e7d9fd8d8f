/* aio runtime configuration: the parsed form of every AIO_* variable.
 * The option table in options.c is the single source of truth: it drives
 * parsing, defaults, deprecated aliases, the README table and the print-out. */
#ifndef AIO_CONFIG_H
#define AIO_CONFIG_H

#include <regex.h>
#include <stddef.h>
#include <stdio.h>

#define AIO_MAX_CPUS 4096

/* A set of CPU ids, kept in the order the user listed them (AIO_NUMA_CPUS
 * says "use the first N cores of this list", so order matters). */
typedef struct aio_cpulist {
    int count;
    int cpus[AIO_MAX_CPUS];
} aio_cpulist;

/* A compiled, full-match regular expression filter ("" = unset). */
typedef struct aio_filter {
    int set;
    char pattern[256];
    regex_t re;
} aio_filter;

enum aio_out_dtype { AIO_OUT_DTYPE_FP32 = 0, AIO_OUT_DTYPE_FP16 = 1 };

/* Highest instruction set the kernels may use (AIO_MAX_ISA); "native"
 * means whatever cpuid / getauxval report. */
enum aio_isa_cap {
    AIO_ISA_CAP_NATIVE = 0,
    AIO_ISA_CAP_REFERENCE,
    AIO_ISA_CAP_AVX2,
    AIO_ISA_CAP_AVX512,
    AIO_ISA_CAP_NEON,
    AIO_ISA_CAP_SVE,
};

/* Where an option's value came from; aio_config.source is indexed by the
 * option's row in the table (see aio_config_print). */
enum aio_config_source {
    AIO_SRC_DEFAULT = 0,  /* unset (or empty, for filters and paths) */
    AIO_SRC_ENV,          /* taken from its own variable */
    AIO_SRC_ALIAS,        /* set through a deprecated alias */
    AIO_SRC_REJECTED,     /* set but invalid: default kept, one diagnostic */
};
#define AIO_CONFIG_MAX_OPTIONS 32

/* AIO_QUANTIZE_INT4_GROUP_SIZE values; aio_int4_group_size gives the size. */
enum aio_int4_group { AIO_INT4_GROUP_32 = 0, AIO_INT4_GROUP_64, AIO_INT4_GROUP_128 };
static inline int aio_int4_group_size(int v) { return v == AIO_INT4_GROUP_32 ? 32 : v == AIO_INT4_GROUP_64 ? 64 : 128; }

typedef struct aio_config {
    int process_mode;             /* AIO_PROCESS_MODE            0|1 */
    int cpu_bind;                 /* AIO_CPU_BIND                0|1 */
    int mem_bind;                 /* AIO_MEM_BIND                0|1 */
    aio_cpulist numa_cpus;        /* AIO_NUMA_CPUS               count==0: unset */
    int debug_mode;               /* AIO_DEBUG_MODE              0..4 */
    int num_threads;              /* AIO_NUM_THREADS             0: inherit torch */
    int skip_master_thread;       /* AIO_SKIP_MASTER_THREAD      0|1 */
    aio_filter implicit_fp16;     /* AIO_IMPLICIT_FP16_TRANSFORM_FILTER */
    aio_filter implicit_bf16;     /* AIO_IMPLICIT_BF16_TRANSFORM_FILTER (ours) */
    int merge_linear;             /* AIO_MERGE_LINEAR            0|1 */
    aio_filter quantize_int8;     /* AIO_QUANTIZE_INT8_FILTER (alias: AIO_QUANTIZE_INT8=ALL) */
    int int8_out_dtype;           /* AIO_QUANTIZE_INT8_CONVERT_OUT_DTYPE  enum aio_out_dtype */
    int profiler;                 /* AIO_PROFILER                0..2 (2: every op) */
    char profiler_file[4096];     /* AIO_PROFILER_FILE           "" = none */
    int max_isa;                  /* AIO_MAX_ISA                 enum aio_isa_cap */
    char dispatch_lib[4096];      /* AIO_DISPATCH_LIB            "" = next to the preload */
    int strict_version;           /* AIO_TORCH_VERSION_CHECK     0|1 */
    int weight_cache_mb;          /* AIO_WEIGHT_CACHE_MB         MiB for converted weights */
    int ignore_policy;            /* AIO_IGNORE_POLICY           0|1 (tests, benchmarks) */
    aio_filter quantize_int4;     /* AIO_QUANTIZE_INT4_FILTER (ours) */
    int int4_group;               /* AIO_QUANTIZE_INT4_GROUP_SIZE  enum aio_int4_group */
    int heap_keep_mb;             /* AIO_HEAP_KEEP_MB            MiB of freed heap kept; 0: glibc's */
    unsigned char source[AIO_CONFIG_MAX_OPTIONS]; /* enum aio_config_source, by table row */
} aio_config;

/* Diagnostics collected while parsing: printed later (on activation, or by
 * aio-run --print-config) so a non-torch process stays silent. */
#define AIO_CONFIG_MAX_DIAGS 32
typedef struct aio_config_diags {
    int count;
    char line[AIO_CONFIG_MAX_DIAGS][512];
} aio_config_diags;

/* Fill cfg from an environment lookup function (getenv in production, a
 * fake in tests). Never fails: bad values keep the default and add one
 * diagnostic line naming the variable, the value and what is accepted.
 * cfg is overwritten whole: aio_config_free a previous parse first. */
typedef const char *(*aio_getenv_fn)(const char *name);
void aio_config_parse(aio_config *cfg, aio_config_diags *diags, aio_getenv_fn getenv_fn);

/* Release compiled regexes. Safe to call twice. */
void aio_config_free(aio_config *cfg);

/* Each stored diagnostic line already starts with "aio: "; this logs them
 * at AIO_LOG_WARN through aio_log (which does not prefix them twice). */
void aio_config_log_diags(const aio_config_diags *diags);

/* Is the named option implemented in this release? 1 yes, 0 parsed only,
 * -1 unknown name. Code gates on this so a release flips one table field. */
int aio_config_option_active(const char *name);

/* Human-readable dump of every option: name, value, source (default / env /
 * alias), and "(not active yet)" for options a later release implements. */
void aio_config_print(const aio_config *cfg, FILE *out);

/* The README variable table (Markdown), generated from the option table. */
void aio_config_print_markdown(FILE *out);

/* The same rows as roff .TP entries, for the man pages' ENVIRONMENT. */
void aio_config_print_man(FILE *out);

/* Does the filter match this name? Full-match semantics. Unset: no. */
int aio_filter_match(const aio_filter *f, const char *name);

/* Parse a CPU list: "0 1 2", "0-3,8", "0-3 8,10-11"; whitespace and commas
 * both separate; ranges inclusive. Order kept, duplicates rejected.
 * Returns 0 on success, -1 with a message in err (errlen bytes) otherwise.
 * allowed (may be NULL): every CPU must be in it. */
int aio_cpulist_parse(const char *text, aio_cpulist *out,
                      const aio_cpulist *allowed, char *err, size_t errlen);

/* Format as compact ranges ("0-3,8"). */
void aio_cpulist_format(const aio_cpulist *l, char *buf, size_t len);

#endif

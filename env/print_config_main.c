/* aio-print-config: show what aio would make of this environment, or print
 * the README's variable table (--markdown). */
#include "aio_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *real_getenv(const char *name) { return getenv(name); }

static void usage(FILE *out)
{
    fputs("usage: aio-print-config [--markdown | --man | --help]\n"
          "  (no option)  parse the AIO_* environment: diagnostics to stderr, settings to stdout\n"
          "  --markdown   print the variable table for README.md\n"
          "  --man        print the variables as roff, for the man pages\n"
          "  --help       this text\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        if (strcmp(argv[1], "--markdown") == 0 && argc == 2) {
            aio_config_print_markdown(stdout);
            return 0;
        }
        if (strcmp(argv[1], "--man") == 0 && argc == 2) {
            aio_config_print_man(stdout);
            return 0;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        fprintf(stderr, "aio-print-config: unknown argument '%s'\n", argv[1]);
        usage(stderr);
        return 2;
    }
    static aio_config cfg; /* ~30 KiB */
    static aio_config_diags diags;
    aio_config_parse(&cfg, &diags, real_getenv);
    for (int i = 0; i < diags.count; i++) fprintf(stderr, "%s\n", diags.line[i]);
    aio_config_print(&cfg, stdout);
    aio_config_free(&cfg);
    return 0;
}

/*
 * seg: the analyst's command line over libseg's public API.
 *
 *   seg COMMAND [options]
 *
 * Each command lives in its own cmd_*.c file and is listed in the table
 * below. Exit codes: 0 success, 1 data or runtime error, 2 usage error.
 */
#include <seg.h>

#include "cli.h"

#include <stdio.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"segment", cmd_segment, "segment customers with k-means"},
    {"rfm", cmd_rfm, "RFM analysis of a transaction log"},
    {"predict", cmd_predict, "assign new customers with a saved model"},
    {"info", cmd_info, "describe a saved model"},
    {"drift", cmd_drift, "match the segments of two models and report changes"},
    {"migrate", cmd_migrate, "segment transitions of customers between two snapshots"},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "Usage: %s COMMAND [options]\n\nCommands:\n", progname);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "\nRun '%s COMMAND --help' for a command's options.\n"
            "  --help      this text\n"
            "  --version   libseg version\n",
            progname);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("seg (libseg) %s\n", seg_version_string());
        return 0;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, "%s: unknown command '%s'\n", progname, argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}

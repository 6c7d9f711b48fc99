/*
 * seg: the analyst's command line over libseg's public API.
 *
 *   seg COMMAND [options]
 *
 * Each command lives in its own cmd_*.c file (segment in segment/), with
 * the table of its options (cli.h), and is listed below. Exit codes: 0
 * success, 1 data or runtime error (a failed write to standard output
 * included), 2 usage error.
 */
#include <seg.h>

#include "cli.h"
#include "manual.h"

#include <stdio.h>
#include <string.h>

/* The commands, in the order of the help; each cmd_*.c defines its own. */
static const cli_command *const commands[] = {&cli_segment, &cli_rfm,   &cli_predict,
                                              &cli_info,    &cli_drift, &cli_migrate,
                                              &cli_fairness,
                                              &cli_explain};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* Each short form (other than -h) with the long option it stands for in
 * each command that has it, from the commands' tables. */
static void short_forms(FILE *f)
{
    char seen[128] = {0};
    for (size_t i = 0; i < N_COMMANDS; i++)
        for (const cli_opt *o = commands[i]->opts; o->name; o++) {
            const unsigned char a = (unsigned char)o->alias;
            if (!a || a == 'h' || a >= sizeof seen || seen[a]++)
                continue;
            fprintf(f, "  -%c   ", a);
            for (size_t j = i, n = 0; j < N_COMMANDS; j++)
                for (const cli_opt *p = commands[j]->opts; p->name; p++)
                    if (p->alias == o->alias)
                        fprintf(f, "%s%s --%s", n++ ? ", " : "", commands[j]->name, p->name);
            fputc('\n', f);
        }
}

/* What every command shares: in the help and in the manual page. */
static const char general[] =
    "Every command reads its options the same way: --name VALUE or\n"
    "--name=VALUE, and '--' ends the options (a FILE after it may start\n"
    "with '-'). Output files are written all or nothing: each to a temporary\n"
    "file .NAME.seg-tmp.PID.XXXXXX beside it, renamed once every output is\n"
    "complete.";

static void usage(FILE *f)
{
    fprintf(f, "Usage: %s COMMAND [options]\n\nCommands:\n", progname);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(f,
            "\nRun '%s COMMAND --help' (or -h) for a command's options.\n"
            "  --help      this text\n"
            "  --version   libseg version\n"
            "\n%s Short forms (-o names the command's main output file):\n",
            progname, general);
    short_forms(f);
}

#ifndef SEG_DATA_DIR_RELATIVE
#define SEG_DATA_DIR_RELATIVE "../share/libseg"
#endif
#ifndef SEG_RELEASE_DATE
#define SEG_RELEASE_DATE ""
#endif

/* 'seg --man' and 'seg --completion bash|zsh', which the build runs to make
 * the manual page and the completions it installs (tools/meson.build); not
 * in the help: they are for packagers. -1 when arg is neither. */
static int manual(const char *arg, const char *shell)
{
    const manual_program p = {.commands = commands,
                              .n_commands = N_COMMANDS,
                              .version = seg_version_string(),
                              .date = SEG_RELEASE_DATE,
                              .synopsis = "COMMAND [options]",
                              .general = general,
                              .data_dir = SEG_DATA_DIR_RELATIVE};
    if (strcmp(arg, "--man") == 0 && !shell) {
        manual_roff(stdout, &p);
        return 0;
    }
    if (strcmp(arg, "--completion") != 0)
        return -1;
    if (shell && strcmp(shell, "bash") == 0)
        manual_bash(stdout, &p);
    else if (shell && strcmp(shell, "zsh") == 0)
        manual_zsh(stdout, &p);
    else
        return usage_error(NULL, "%s", "--completion needs a shell: bash or zsh");
    return 0;
}

static int run(int argc, char **argv)
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
        if (strcmp(argv[1], commands[i]->name) == 0)
            return commands[i]->run(argc - 2, argv + 2);
    if (argc <= 3) {
        const int rc = manual(argv[1], argc == 3 ? argv[2] : NULL);
        if (rc >= 0)
            return rc;
    }
    fprintf(stderr, "%s: unknown command '%s'\n", progname, argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    /* One place checks what every command printed: a full disk or a closed
     * pipe on stdout is a failure, not a truncated success. */
    blas_idle();
    return close_stdout(run(argc, argv));
}

/*
 * The seg manual page and shell completions, printed from the commands'
 * option tables (cli.h): the tables that drive the parser and --help, so
 * the three cannot drift apart. The build runs 'seg --man' and
 * 'seg --completion bash|zsh' (tools/meson.build) and installs the output.
 */
#ifndef SEG_TOOL_MANUAL_H
#define SEG_TOOL_MANUAL_H

#include "cli.h"

#include <stdio.h>

/* What the manual says about seg as a whole, besides the commands. */
typedef struct manual_program {
    const cli_command *const *commands; /* in the order of 'seg --help' */
    size_t n_commands;
    const char *version;  /* "0.2.0" */
    const char *date;     /* of the release, "2026-12-07" (the manual's date) */
    const char *synopsis; /* what follows "seg" in 'seg --help''s usage line */
    const char *general;  /* paragraph of 'seg --help' about every command */
    const char *data_dir; /* where the bundled data are, relative to seg's directory */
} manual_program;

/* seg(1) in roff (man(7) macros). */
void manual_roff(FILE *f, const manual_program *p);

/* A bash completion script: complete -F for 'seg'. */
void manual_bash(FILE *f, const manual_program *p);

/* A zsh completion function (the file _seg: #compdef seg). */
void manual_zsh(FILE *f, const manual_program *p);

#endif

/*
 * Shared pieces of the seg program's commands: exit codes, messages,
 * argument parsing. Every command uses libseg's public API only.
 */
#ifndef SEG_TOOL_CLI_H
#define SEG_TOOL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define EXIT_DATA 1  /* data or runtime error */
#define EXIT_USAGE 2 /* the command line is wrong */

/* Returned by helpers that already reported a conflict between options. */
#define USAGE_CONFLICT 1000

extern const char *progname;

/* Stop OpenBLAS's idle pool threads spinning after start-up, when the BLAS
 * is OpenBLAS; first thing in main() (blas_idle.c). */
void blas_idle(void);

/* Print "seg: MESSAGE" and a hint to 'seg CMD --help'; returns EXIT_USAGE.
 * fmt has one %s, filled with arg. */
int usage_error(const char *cmd, const char *fmt, const char *arg);

/* A library refusal of an identifier-like column (SEG_ERR_PRIVACY) in
 * the command's words (--id, --drop), printed as "seg: WHAT: ..."; false
 * (nothing printed) for any other failure. lib_error() says it so. */
bool identifier_refusal(const char *what, int rc, const char *detail);
/* Print "seg: WHAT: STATUS: DETAIL" for a failed library call; returns EXIT_DATA. */
int lib_error(const char *what, int rc);

/* "-": standard input as a FILE, standard output as an output file. */
bool is_stdio(const char *path);
/* An output path as messages name it: "standard output" for "-". */
const char *output_name(const char *path);
/* Whether standard input holds data to read when no FILE is given: a pipe,
 * a redirected file or a socket; not a terminal, nor /dev/null or another
 * device (as zstd decides). */
bool stdin_has_data(void);
/* Read a CSV table from path, or from standard input for "-": read fully
 * once (checked reads, as much as memory holds) and kept, so a second call
 * reads the same text. Library messages about it then name "<stdin>".
 * Returns 0 or a SEG_ERR_ code for lib_error(). */
struct seg_dataset;
struct seg_csv_options;
int read_table_csv(struct seg_dataset **ds, const char *path, const struct seg_csv_options *co);
/* As read_table_csv(), for rows a model scores: a header row, delimiter
 * (0: detected), the id column (or NULL) read as text and, with m, every
 * column the model was trained on read as the type it had (a small file
 * may hold only digits in a column that was categorical). */
struct seg_model;
int read_table_for_model(struct seg_dataset **ds, const char *path, int delimiter, const char *id,
                         const struct seg_model *m);
/* The path to give a library call that reads its file once, front to back
 * (seg_rfm_read_csv): "/dev/stdin" for "-". */
const char *stream_path(const char *path);
/* Flush and close standard output once the command is done: status, or, when
 * status is 0 and a write, the flush or the close failed, EXIT_DATA after
 * "seg: cannot write standard output: REASON". */
int close_stdout(int status);

bool parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out);
bool parse_real(const char *s, double *out);
/* A size in bytes: a number > 0 with an optional K, M, G or T (powers of
 * 1024) and an optional B ("512M", "1.5GB"). */
bool parse_bytes(const char *s, int64_t *out);
/* --delimiter: one character, or "tab" or "\\t" for a tab. */
bool parse_delimiter(const char *s, int *out);
bool ends_with(const char *s, const char *suffix);
bool file_exists(const char *path);

/* Split "a,b,c" into a NULL-terminated array (one allocation; free() it). */
char **split_list(const char *s, size_t *count);

/* Whether a comma-separated list (NULL: empty) holds item exactly. */
bool list_contains(const char *list, const char *item);

/* Call fn(obj, item) for each item of a comma-separated list; stops at the
 * first non-zero result and returns it. */
int for_each_item(const char *list, void *obj, int (*fn)(void *obj, const char *item));

/* --pseudonymize-key FILE: load the key for write_id(); 0, or EXIT_DATA
 * with the reason printed. */
int use_id_key(const char *path);

/* The bundled bank data, bank-full.csv: in $SEG_DATA_DIR, else where the
 * install put it relative to this program (SEG_DATA_DIR_RELATIVE); NULL when
 * in neither. No absolute path is compiled in (the build tree's tests set
 * SEG_DATA_DIR: tests/meson.build, meson devenv). */
const char *bundled_data_path(char *buf, size_t len);

/*
 * Option tables (libgit2's cli_opt_spec). Each command has one table; it
 * drives the parser (cli_next), the --help text and any other listing of the
 * options (a man page): walk it from the first entry to the one whose name is
 * NULL. Entries are written with designated initializers, naming only what
 * they use.
 */
typedef struct cli_opt {
    const char *name;    /* long name without the dashes; NULL ends the table */
    char alias;          /* short form ('k' for -k), or 0 */
    const char *value;   /* the value's name in the help ("K", "FILE.csv"), or
                            NULL for a switch, which takes none */
    const char *help;    /* what it does; '\n' starts another line */
    const char *section; /* heading of the group of options this one opens, or NULL */
    int id;              /* what cli_next() hands the command (> 0; CLI_HELP for --help) */
    size_t field;        /* CLI_FLAG(), CLI_TEXT(), CLI_INT() or CLI_DELIMITER():
                            where cli_next() keeps the option itself instead of
                            handing it over; or 0 */
    int64_t lo, hi;      /* CLI_INT(): the values allowed (both 0: any int64) */
} cli_opt;

/* An entry's field: the member of the struct the command gives
 * cli_start() that cli_next() sets itself: a bool to true for a switch
 * (CLI_FLAG), a const char * to the value (CLI_TEXT), an int64_t to the
 * whole number the value is, within the entry's lo..hi (CLI_INT), or an int
 * to the one character a --delimiter value is (CLI_DELIMITER). A value
 * CLI_INT or CLI_DELIMITER cannot take is a usage error naming the option.
 * The member's type is checked at compile time: another type makes an
 * array of negative size. */
#define CLI_FIELD_(type, member, ctype, kind)                                                      \
    (4 * (offsetof(type, member) +                                                                 \
          0 * sizeof(char[_Generic(((type *)0)->member, ctype : 1, default                         \
                                   : -1)])) +                                                      \
     4 + (kind))
#define CLI_FLAG(type, member) CLI_FIELD_(type, member, bool, 0)
#define CLI_TEXT(type, member) CLI_FIELD_(type, member, const char *, 1)
#define CLI_INT(type, member) CLI_FIELD_(type, member, int64_t, 2)
#define CLI_DELIMITER(type, member) CLI_FIELD_(type, member, int, 3)

/* The id of --help. */
#define CLI_HELP (-1)

/* The entry every table has; its own line in the help, like any option. */
#define CLI_OPT_HELP                                                                               \
    {                                                                                              \
        .name = "help", .alias = 'h', .help = "this help", .id = CLI_HELP                          \
    }

#define CLI_MAX_OPERANDS 4

typedef struct cli_command {
    const char *name;        /* "segment" */
    const char *summary;     /* one line for 'seg --help' */
    const char *synopsis;    /* what follows the name in the usage line */
    const char *description; /* the paragraph after the usage line */
    const cli_opt *opts;     /* the table */
    /* CLI_TEXT() fields the operands (arguments that are no option) go to, in
     * order, up to a 0; more operands are a usage error. */
    size_t operands[CLI_MAX_OPERANDS];
    /* The operand (1 for the first) that is "-", standard input, when it
     * and only it is missing and something is piped or redirected to
     * standard input (stdin_has_data()); 0: none. */
    int stdin_operand;
    int (*run)(int argc, char **argv);
} cli_command;

/* Where a command is in its arguments (cli_next). */
typedef struct cli_parser {
    const cli_command *cmd;
    int argc;
    char **argv;
    void *fields;       /* the struct of the table's fields and of the operands */
    int next;           /* index of the argument to read next */
    const char *group;  /* letters left of a group of short options ("-qh"), or NULL */
    bool operands_only; /* "--" was read */
    int operands;       /* operands read so far */
    int status;         /* once cli_next() is false: 0, CLI_HELP or EXIT_USAGE */
} cli_parser;

/* Start reading argv for command c, keeping options and operands in fields. */
cli_parser cli_start(const cli_command *c, int argc, char **argv, void *fields);

/*
 * Read argv against the command's table, the way getopt_long does, up to
 * the next option the command checks itself (an entry with an id and no
 * field): true with its id in *id and its value in *value (NULL for a
 * switch). The other options and the operands are kept in the fields struct
 * on the way. False at the end, with p->status 0; after printing the help on
 * stdout for --help, with p->status CLI_HELP; or after printing a usage
 * error (unknown option, missing or empty value, a value given to a switch,
 * more operands than the command takes), with p->status EXIT_USAGE.
 *
 * Options are "--name VALUE", "--name=VALUE", "-x VALUE", "-xVALUE", and
 * switches grouped as "-qh". A value is the next argument whatever it starts
 * with, and is never empty. "-" is an operand, and after "--" every argument
 * is one, even if it starts with '-'.
 */
bool cli_next(cli_parser *p, int *id, const char **value);

/* For a command that checks none of its options itself: read all of argv
 * into fields. Returns the parser's status. */
int cli_parse_all(const cli_command *c, int argc, char **argv, void *fields);

/* The usage line, description and every option of c's table, by section. */
void cli_help(FILE *f, const cli_command *c);

/* The commands: each cmd_*.c defines its table and its run function. */
extern const cli_command cli_segment, cli_rfm, cli_predict, cli_info, cli_drift, cli_migrate;
extern const cli_command cli_fairness;
int cmd_fairness(int argc, char **argv);
extern const cli_command cli_explain;
int cmd_segment(int argc, char **argv);
int cmd_rfm(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_drift(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_explain(int argc, char **argv);

#endif

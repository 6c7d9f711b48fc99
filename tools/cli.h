/*
 * Shared pieces of the seg program's commands: exit codes, messages,
 * argument parsing. Every command uses libseg's public API only.
 */
#ifndef SEG_TOOL_CLI_H
#define SEG_TOOL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXIT_DATA 1  /* data or runtime error */
#define EXIT_USAGE 2 /* the command line is wrong */

/* Returned by helpers that already reported a conflict between options. */
#define USAGE_CONFLICT 1000

extern const char *progname;

/* Print "seg: MESSAGE" and a hint to 'seg CMD --help'; returns EXIT_USAGE.
 * fmt has one %s, filled with arg. */
int usage_error(const char *cmd, const char *fmt, const char *arg);

/* Print "seg: WHAT: STATUS: DETAIL" for a failed library call; returns EXIT_DATA. */
int lib_error(const char *what, int rc);

bool parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out);
bool parse_real(const char *s, double *out);
bool ends_with(const char *s, const char *suffix);
bool file_exists(const char *path);

/* Split "a,b,c" into a NULL-terminated array (one allocation; free() it). */
char **split_list(const char *s, size_t *count);

/* Call fn(obj, item) for each item of a comma-separated list; stops at the
 * first non-zero result and returns it. */
int for_each_item(const char *list, void *obj, int (*fn)(void *obj, const char *item));

/* --pseudonymize-key FILE: load the key for write_id(); 0, or EXIT_DATA
 * with the reason printed. */
int use_id_key(const char *path);

/* The bundled bank data: $SEG_DATA_DIR, then the source tree, then the install. */
const char *bundled_data_path(char *buf, size_t len);

/* Commands. */
int cmd_segment(int argc, char **argv);
int cmd_rfm(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_drift(int argc, char **argv);
int cmd_migrate(int argc, char **argv);

#endif

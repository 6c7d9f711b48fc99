/*
 * The output files of one seg command, written all or nothing.
 *
 * A command registers every file it will write (outputs_add) and every file
 * it reads (outputs_input) before any work, and outputs_check() refuses what
 * would go wrong late or silently: a directory that is missing or not
 * writable, two outputs that are the same file, an output that is one of the
 * inputs. Each output is then written to a temporary file next to its target,
 *
 *     .NAME.seg-tmp.PID.XXXXXX    (NAME the target's file name, PID ours)
 *
 * flushed to disk, and renamed over the target only once every output of the
 * command is complete (outputs_commit). On a failure outputs_abort() removes
 * the temporary files and the targets stay as they were. A run killed before
 * its commit leaves such temporary files; outputs_check() removes those of
 * processes that no longer run from the directories it writes to.
 *
 * Not renamed over, but written in place (not atomic): "-" (standard output),
 * an existing target that is no regular file (a device such as /dev/null, a
 * FIFO), and the paths that name a descriptor (/dev/stdout, /dev/stderr,
 * /dev/fd/N, /proc/...). A symbolic link is followed: the file it points to is
 * replaced and the link stays.
 */
#ifndef SEG_TOOL_OUTPUT_H
#define SEG_TOOL_OUTPUT_H

#include <seg.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define OUTPUTS_MAX 8
#define INPUTS_MAX 8

/* The marker in temporary file names. */
#define OUTPUT_TMP_MARK ".seg-tmp."

typedef struct output {
    const char *option; /* "--report" */
    const char *path;   /* as given */
    int kind;           /* OUTPUT_RENAME, OUTPUT_DIRECT or OUTPUT_STDOUT */
    mode_t mode;        /* the mode a new file gets (before the umask) */
    char *target;       /* OUTPUT_RENAME: the file to replace, links resolved */
    char *dir;          /* OUTPUT_RENAME: its directory */
    char *tmp;          /* OUTPUT_RENAME: the temporary file, once created */
    bool exists;        /* the target exists (then dev, ino and type are its) */
    dev_t dev;
    ino_t ino;
    mode_t type; /* st_mode of the existing target */
    uid_t uid;   /* its owner */
    gid_t gid;
    FILE *f; /* open while written */
} output;

typedef struct outputs {
    const char *cmd; /* "segment ": the command, for the usage hint */
    output out[OUTPUTS_MAX];
    size_t n;
    const char *in_option[INPUTS_MAX], *in_path[INPUTS_MAX];
    size_t n_in;
    output *cur;   /* the output outputs_open() opened last */
    bool overflow; /* more than OUTPUTS_MAX or INPUTS_MAX registered */
} outputs;

enum { OUTPUT_RENAME = 1, OUTPUT_DIRECT, OUTPUT_STDOUT };

/* An empty set for command cmd ("segment "). */
void outputs_init(outputs *s, const char *cmd);
/* Register output path of option ("--report"); NULL path: none. A model
 * (private: profiles describe customers) passes private, and a new file is
 * then readable by its owner only, as seg_model_save() does. */
void outputs_add(outputs *s, const char *option, const char *path, bool private);
/* Register a file the command reads ("-": standard input); NULL: none. */
void outputs_input(outputs *s, const char *option, const char *path);
/* Check every output against the others and the inputs, before any work;
 * then remove orphan temporary files in the directories written to.
 * 0, or EXIT_USAGE after saying what is wrong. */
int outputs_check(outputs *s);
/* Whether path is registered as "-" (standard output). */
bool outputs_to_stdout(const outputs *s);

/* The stream to write output path to (its temporary file, the device, or
 * stdout); NULL with errno set. */
FILE *outputs_open(outputs *s, const char *path);
/* End the output outputs_open() opened last: ok says whether its writer
 * succeeded (errno then holds why not). Flushes, syncs and closes it. 0, or
 * EXIT_DATA after "seg: cannot write PATH: REASON" and outputs_abort(). */
int outputs_finish(outputs *s, FILE *f, bool ok);
/* Write model m to path as one output (bytes of seg_model_save_mem()): 0 or
 * EXIT_DATA, as outputs_finish(). */
int outputs_write_model(outputs *s, const char *path, const seg_model *m);
/* Rename every temporary file over its target, then sync the directories.
 * 0, or EXIT_DATA after saying which output failed (the files renamed
 * before it stay new, the others old; nothing is partial). */
int outputs_commit(outputs *s);
/* Remove the temporary files; the targets are left as they were. Safe to
 * call more than once and after outputs_commit(). */
void outputs_abort(outputs *s);

/* Print a summary on stderr instead of stdout, for when stdout carries an
 * output ("--assignments -"): between summary_to_stderr() and
 * summary_restore(), stdout writes to the standard error's descriptor.
 * Nothing happens unless on is true. summary_to_stderr() returns false if
 * standard output failed already (the caller reports it). */
bool summary_to_stderr(bool on, int *saved);
void summary_restore(int saved);

/* Whether a file name is one of our temporary files, and whose (pid). */
bool output_tmp_name(const char *name, long *pid);

#endif

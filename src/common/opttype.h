/* opttype: the value types of config options -- the campaign's keys (runner/campaign.c)
 * and the platforms' kind options (platforms/platform.h) -- with their one name table,
 * so help columns and "expected ..." messages say the same thing everywhere.
 *
 * API
 *   opt_type_name(t)            short name for help tables: "string", "int", "choice", ...
 *   opt_type_phrase(t)          for messages: "a string", "an integer", ...
 *   opt_enum_index(choices, v)  index of v in the comma-separated choices, or -1
 */
#ifndef PB_OPTTYPE_H
#define PB_OPTTYPE_H

typedef enum opt_type {
    OPT_STR,     /* any string */
    OPT_PATH,    /* existing file or folder; relative to the config's folder */
    OPT_EXE,     /* executable: a path, or a bare name searched next to platbench, then PATH */
    OPT_INT,     /* int */
    OPT_INT64,   /* 64-bit int */
    OPT_FLOAT,   /* number (an integer is accepted) */
    OPT_ENUM,    /* one of the option's comma-separated choices (a string) */
    OPT_STRLIST, /* list or array of strings */
    OPT_BOOL     /* true / false */
} opt_type;

const char *opt_type_name(opt_type t);
const char *opt_type_phrase(opt_type t);
int opt_enum_index(const char *choices, const char *v);

#endif

#include "segment.h"
int write_report(const char *path, const opts *o, const summary *s)
{
    (void)path; (void)o; (void)s;
    return 0;
}

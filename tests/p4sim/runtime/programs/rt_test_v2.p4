/* rt_test.p4 with one table changed (lpm_t gains an action): for
 * RECONCILE_AND_COMMIT, which must keep every other table's entries. */
#define RT_V2
#include "rt_test.p4"

#include <core.p4>
#include <v1model.p4>
#include "include/headers.p4"

struct headers_t { ethernet_t ethernet; }
struct meta_t { }

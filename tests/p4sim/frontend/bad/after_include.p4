#include <core.p4>
#include <v1model.p4>
#define WIDTH 8
#include "../good_include/types.p4"

struct meta_t { bit<WIDTH> x; }

control I(inout meta_t meta) {
    apply {
        meta.x = undefined_thing;
    }
}

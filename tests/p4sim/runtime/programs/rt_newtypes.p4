// `type` declarations over P4Runtime: a translated 48-bit key (P4Info
// bitwidth 32), an untranslated one, a string-translated one and a
// translated action parameter wider than its data-plane type.
#include <core.p4>
#include <v1model.p4>

@p4runtime_translation("example.org/Mac_t", 32)
type bit<48> Mac_t;
type bit<16> Tag_t;
@p4runtime_translation("example.org/Name_t", string)
type bit<8> Name_t;
@p4runtime_translation("example.org/Port_t", bit<32>)
type bit<9> Port_t;

header eth_t { Mac_t dst; bit<48> src; Tag_t type; }
header name_t { Name_t n; }
struct headers_t { eth_t eth; name_t name; }
struct meta_t { }
struct learn_t { Mac_t mac; Tag_t tag; }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {
    state start { pkt.extract(hdr.eth); pkt.extract(hdr.name); transition accept; }
}
control V(inout headers_t hdr, inout meta_t meta) { apply { } }
control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {
    action fwd(Port_t port) { std.egress_spec = (bit<9>)port; }
    action drop() { mark_to_drop(std); }
    table by_mac { key = { hdr.eth.dst: exact; hdr.eth.type: exact; } actions = { fwd; drop; } default_action = drop(); }
    table by_name { key = { hdr.name.n: exact; } actions = { fwd; drop; } default_action = drop(); }
    register<Tag_t>(4) last_tag;
    apply {
        last_tag.write(0, hdr.eth.type);
        digest<learn_t>(1, { hdr.eth.dst, hdr.eth.type });
        by_mac.apply();
        if (std.egress_spec == 511) { by_name.apply(); }
    }
}
control E(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t std) { apply { } }
control C(inout headers_t hdr, inout meta_t meta) { apply { } }
control D(packet_out pkt, in headers_t hdr) { apply { pkt.emit(hdr); } }
V1Switch(P(), V(), I(), E(), C(), D()) main;

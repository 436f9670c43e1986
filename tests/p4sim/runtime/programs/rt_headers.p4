/* Headers of rt_test.p4, in a file of their own so that the device config
 * container must carry an included file. */
@controller_header("packet_out")
header packet_out_t { bit<9> egress_port; bit<7> _pad; }
@controller_header("packet_in")
header packet_in_t { bit<9> ingress_port; bit<7> _pad; }
header ethernet_t { bit<48> dst; bit<48> src; bit<16> ether_type; }

struct headers_t { packet_in_t packet_in; packet_out_t packet_out; ethernet_t ethernet; }
struct meta_t { bit<8> tag; bit<2> color; bit<1> special; }
struct learn_t { bit<48> src; bit<9> port; }

/* Types shared by the include tests. */
typedef bit<48> mac_addr_t;
header ethernet_t { mac_addr_t dst; mac_addr_t src; bit<16> ether_type; }
